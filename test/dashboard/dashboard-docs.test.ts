/**
 * docs/dashboard.md, executed: on each backend its ```sh sample runs as written (bash, curl) against a dashboard
 * with a token, on a fresh database whose queue 1 (`emails`) holds two dead letters, as the guide says; every
 * `# → …` line it announces must be printed, in order, and the database must show what the sample did. Every route
 * the guide's table of actions spells out must be one the dashboard answers.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { startDashboard } from "../../src/dashboard/server.js";
import * as pgqrs from "../../src/index.js";
import { fencedBlocks } from "../docs/sample-support.js";
import { BACKENDS } from "../support/backends.js";
import { openTestStore, type TestStore } from "../support/stores.js";
import { TOKEN } from "./harness.js";

const GUIDE = readFileSync(join(process.cwd(), "docs/dashboard.md"), "utf8");

function bash(script: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      "bash",
      ["-euo", "pipefail", "-c", script],
      { env: { ...process.env, ...env }, timeout: 60_000 },
      (err, stdout, stderr) =>
        resolve({ code: err === null ? 0 : typeof err.code === "number" ? err.code : 1, stdout, stderr }),
    );
  });
}

/** Routes the guide's table spells out in full; each must be an action the dashboard answers. */
const ROUTES = [
  "/actions/runs/:id/cancel",
  "/actions/runs/:id/messages",
  "/actions/queues/:id/enqueue",
  "/actions/queues/:id/messages/:messageId/replay",
  "/actions/queues/:id/dead-letters/replay",
  "/actions/queues/:id/purge",
  "/actions/queues/:id/settings",
  "/actions/workers/:id/suspend",
  "/actions/zombies/reclaim",
  "/actions/schedules/:name/pause",
];

describe.each(BACKENDS)("docs/dashboard.md (%s)", (backend) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await openTestStore(backend);
  });

  it("its curl sample prints what it announces and does it", { timeout: 120_000 }, async () => {
    const { store, clock } = t;
    const admin = pgqrs.admin(store);
    const emails = await admin.createQueue("emails", { retry: { maxAttempts: 1 } });
    expect(emails.id).toBe(1);
    await (await store.producer("emails", "mailer")).enqueueBatch([{ to: "a@example.com" }, { to: "b@example.com" }]);
    await (await store.consumer("emails", "sender")).dequeue({ batchSize: 2, vtSeconds: 1 });
    clock.advance(2_000);
    expect(await admin.dlq("emails")).toEqual([1, 2]);

    const dashboard = await startDashboard({ store, host: "127.0.0.1", port: 0, token: TOKEN });
    try {
      const [sample] = fencedBlocks(GUIDE, /^sh$/);
      expect(sample?.code).toContain("curl");
      const run = await bash(sample?.code ?? "", {
        DASHBOARD_URL: dashboard.url.replace(/\/$/, ""),
        PGQRS_DASHBOARD_TOKEN: TOKEN,
      });
      expect(run.stderr).toBe("");
      expect(run.code).toBe(0);
      const announced = (sample?.code ?? "")
        .split("\n")
        .map((l) => /^# → (.+)$/.exec(l)?.[1])
        .filter((l): l is string => l !== undefined);
      expect(announced.length).toBe(4);
      expect(run.stdout.trim().split("\n")).toEqual(announced);
      // The message enqueued 30 s after the clock's now, before the purge deleted it (and everything else).
      expect(announced[0]).toContain("Message 3 enqueued on emails (visible in 30 s)");
    } finally {
      await dashboard.close();
    }
    expect(await store.tables().messages().count({ queueId: emails.id, state: "all" })).toBe(0);
    expect(await store.tables().workers().count({ queueId: emails.id })).toBe(0);
    expect((await admin.getQueue("emails")).retry).toEqual({ maxAttempts: 1 });
  });

  it("names in its table of actions only routes the dashboard answers", async () => {
    const dashboard = await startDashboard({ store: t.store, host: "127.0.0.1", port: 0, token: TOKEN });
    try {
      for (const route of ROUTES) {
        expect(GUIDE, route).toContain(`\`${route}\``);
        const path = route.replace(":id", "987654").replace(":messageId", "1").replace(":name", "nope");
        const res = await fetch(`${dashboard.url.replace(/\/$/, "")}${path}`, {
          method: "POST",
          headers: { authorization: `Bearer ${TOKEN}`, accept: "application/json" },
        });
        const body = (await res.json()) as { message: string };
        expect(body.message, route).not.toBe("No such action");
      }
    } finally {
      await dashboard.close();
    }
  });
});
