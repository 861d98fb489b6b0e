/**
 * Schedules across processes (issue 18): four OS processes fire the same schedules at the same virtual instants
 * for three hours; every tick is enqueued exactly once, whichever process wins it (the tick table's primary key).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface, type Interface } from "node:readline";
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { EVERY_BACKEND, manyProcesses } from "../support/backends.js";
import { openVirtualStore, VIRTUAL_START } from "../support/virtual-time.js";

const FIXTURE = new URL("../fixtures/schedule-firer-child.ts", import.meta.url).pathname;
const MIN = 60_000;

interface Firer {
  child: ChildProcess;
  lines: AsyncIterator<string>;
  rl: Interface;
}

async function spawnFirer(dsn: string, schema: string): Promise<Firer> {
  const child = spawn(process.execPath, ["--import", "tsx", FIXTURE, dsn, schema, String(VIRTUAL_START.getTime())], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const rl = createInterface({ input: child.stdout! });
  const lines = rl[Symbol.asyncIterator]();
  await lines.next(); // ready
  return { child, lines, rl };
}

async function step(firer: Firer, at: number): Promise<number> {
  firer.child.stdin!.write(`${at}\n`);
  const next = await firer.lines.next();
  if (next.done === true) throw new Error("a firer process ended early");
  return (JSON.parse(next.value) as { handled: number }).handled;
}

describe.each(EVERY_BACKEND)("schedules across four processes on %s", (backend) => {
  it.skipIf(!manyProcesses(backend))(
    "three hours of virtual time: each tick fires exactly once, spread over the processes",
    async () => {
      const { store, dsn, schema } = await openVirtualStore(backend);
      const admin = pgqrs.admin(store);
      await admin.createQueue("minutely");
      await admin.createQueue("every20s");
      const common = { overlap: "allow", catchUp: "all" } as const;
      await admin.createSchedule({ name: "minutely", cron: "* * * * *", queue: "minutely", ...common });
      await admin.createSchedule({ name: "every20s", cron: "*/20 * * * * *", queue: "every20s", ...common });
      const firers = await Promise.all([1, 2, 3, 4].map(() => spawnFirer(dsn, schema)));
      const handledBy = [0, 0, 0, 0];
      try {
        const start = VIRTUAL_START.getTime();
        for (let at = start + MIN; at <= start + 180 * MIN; at += MIN) {
          const handled = await Promise.all(firers.map((f) => step(f, at)));
          handled.forEach((n, i) => {
            handledBy[i] = (handledBy[i] ?? 0) + n;
          });
        }
      } finally {
        for (const f of firers) f.child.stdin!.end();
        await Promise.all(firers.map((f) => new Promise((resolve) => f.child.once("exit", resolve))));
      }
      const times = async (queue: string) => {
        const q = await admin.getQueue(queue);
        const rows = await store.context.backend.listMessages({ queueId: q.id, state: "all", limit: 10_000 });
        return rows.map((m) => (m.payload as { scheduledAt: string }).scheduledAt).sort();
      };
      const expected = (stepMs: number, count: number) =>
        Array.from({ length: count }, (_, i) => new Date(VIRTUAL_START.getTime() + (i + 1) * stepMs).toISOString());
      expect(await times("minutely")).toEqual(expected(MIN, 180));
      expect(await times("every20s")).toEqual(expected(20_000, 540));
      // Every tick was handled by exactly one process: the counts the processes report add up to the ticks.
      expect(handledBy.reduce((a, b) => a + b, 0)).toBe(720);
    },
    240_000,
  );
});
