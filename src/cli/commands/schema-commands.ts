import { maskDsn } from "../../index.js";
import type { CommandSpec } from "../command.js";
import { keyValues } from "../output.js";

export const schemaCommands: CommandSpec[] = [
  {
    name: "install",
    summary: "Create or upgrade the pgqrs tables (idempotent; safe from two processes)",
    examples: ["pgqrs install --dsn postgresql://app@localhost/app", "pgqrs install --dsn sqlite://./app.db --json"],
    async run(ctx) {
      await (await ctx.admin()).install();
      const store = await ctx.store();
      const data = { installed: true, backend: store.backendName(), dsn: maskDsn(store.config.dsn) };
      return { data, human: `Schema installed on ${data.backend} (${data.dsn}, schema ${store.config.schema}).` };
    },
  },
  {
    name: "verify",
    summary: "Check the schema is installed and intact (writes nothing; exit 1 if not)",
    examples: ["pgqrs verify", "pgqrs verify --json"],
    async run(ctx) {
      const admin = await ctx.admin();
      try {
        await admin.verify();
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        return { data: { ok: false, message }, human: `Schema check failed: ${message}`, exitCode: 1 };
      }
      return { data: { ok: true }, human: "Schema OK." };
    },
  },
  {
    name: "stats",
    summary: "System-wide counts: queues, workers, messages, workflows, runs",
    examples: ["pgqrs stats", "pgqrs stats --json"],
    async run(ctx) {
      const s = await (await ctx.admin()).systemStats();
      return {
        data: s,
        human: keyValues([
          ["queues", s.totalQueues],
          ["workers", `${s.totalWorkers} (${s.activeWorkers} active)`],
          ["messages", `${s.totalMessages} unarchived`],
          ["  pending", s.pendingMessages],
          ["  leased", s.leasedMessages],
          ["archived", s.archivedMessages],
          ["dead-lettered", s.deadLetteredMessages],
          ["workflows", s.totalWorkflows],
          ["runs", s.totalRuns],
          ["schema version", s.schemaVersion],
        ]),
      };
    },
  },
];
