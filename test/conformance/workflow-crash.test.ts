import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { EVERY_BACKEND, freshDatabase, manyProcesses } from "../support/backends.js";
import { kill9, spawnFixture } from "../support/child.js";

const FIXTURE = "test/fixtures/workflow-worker-child.ts";

function effects(logFile: string): string[] {
  return existsSync(logFile) ? readFileSync(logFile, "utf8").split("\n").filter(Boolean) : [];
}

describe.each(EVERY_BACKEND)("workflow crash recovery with real processes on %s", (backend) => {
  it.skipIf(!manyProcesses(backend))(
    "a worker killed inside step 2 is taken over: step 1 once, step 2 at least once, step 3 once",
    async () => {
      const { dsn, schema } = freshDatabase(backend);
      const logFile = join(mkdtempSync(join(tmpdir(), "pgqrs-crash-")), "effects.log");
      const store = await pgqrs.connect(dsn, { schema });
      await pgqrs.admin(store).install();
      const name = "crashy";
      await store.createWorkflow(name);
      const msg = await pgqrs.workflow(name).trigger({ n: 21 }).execute(store);
      const first = await spawnFixture<{ inStep2: number }>(FIXTURE, [
        dsn,
        schema,
        name,
        logFile,
        "slow",
        "1",
        "1",
        "2",
      ]);
      expect(first.first.inStep2).toBeGreaterThan(0);
      await kill9(first.child);
      expect(effects(logFile)).toEqual(["step1:21"]);
      expect((await store.run(msg)).status).toBe("RUNNING");
      // The second worker takes the run over once the 2 s lease of the dead one has passed.
      const second = await spawnFixture<{ ready: boolean }>(FIXTURE, [
        dsn,
        schema,
        name,
        logFile,
        "normal",
        "1",
        "1",
        "30",
      ]);
      const result = await pgqrs.run().message(msg).store(store).result({ timeoutMs: 30_000 });
      expect(result).toEqual({ n: 21, doubled: 42 });
      second.child.kill("SIGTERM");
      await new Promise((r) => second.child.once("exit", r));
      const log = effects(logFile);
      expect(log.filter((l) => l === "step1:21")).toHaveLength(1);
      expect(log.filter((l) => l === "step2:21").length).toBeGreaterThanOrEqual(1);
      expect(log.filter((l) => l === "step3:21")).toHaveLength(1);
      const rec = await pgqrs.workflow(name).getRun(msg.id, store);
      expect(rec.status).toBe("SUCCESS");
      await store.close();
    },
    90_000,
  );
});

describe("many runs across processes on postgres", () => {
  it("200 runs against 4 worker loops in 2 processes all end SUCCESS, each step once", async () => {
    const { dsn, schema } = freshDatabase("postgres");
    const logFile = join(mkdtempSync(join(tmpdir(), "pgqrs-many-")), "effects.log");
    const store = await pgqrs.connect(dsn, { schema });
    await pgqrs.admin(store).install();
    const name = "many";
    await store.createWorkflow(name);
    const children = await Promise.all(
      [0, 1].map(() =>
        spawnFixture<{ ready: boolean }>(FIXTURE, [dsn, schema, name, logFile, "normal", "2", "4", "30"]),
      ),
    );
    const msgs = [];
    for (let i = 0; i < 200; i++) msgs.push(await pgqrs.workflow(name).trigger({ n: i }).execute(store));
    const results = await Promise.all(
      msgs.map((m) => pgqrs.run().message(m).store(store).result({ timeoutMs: 60_000, pollIntervalMs: 50 })),
    );
    expect(results).toEqual(msgs.map((_, i) => ({ n: i, doubled: i * 2 })));
    for (const c of children) {
      c.child.kill("SIGTERM");
      await new Promise((r) => c.child.once("exit", r));
    }
    const log = effects(logFile);
    for (const step of ["step1", "step2", "step3"]) {
      const seen = log.filter((l) => l.startsWith(`${step}:`));
      expect(seen).toHaveLength(200);
      expect(new Set(seen).size).toBe(200);
    }
    const runs = await pgqrs.workflow(name).runs(store, { limit: 500 });
    expect(runs.filter((r) => r.status === "SUCCESS")).toHaveLength(200);
    await store.close();
  }, 120_000);
});
