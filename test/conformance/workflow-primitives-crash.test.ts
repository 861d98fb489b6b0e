/**
 * Crash tests of the durable primitives with real processes: worker processes (test/fixtures/
 * workflow-primitives-child.ts) are SIGKILLed while their runs sleep, wait for a message, wait for children, and
 * inside steps (of a parent and of children); new processes take over. Every run ends SUCCESS, no step body runs
 * again once it committed (each body appends a line to an effects file: the counts are exact), and no message is
 * received twice (each is consumed once, by the recv it was meant for, and a replay returns the same one).
 *
 * Nothing waits for time to pass: each new process runs with its clock 2 hours further on than the one before
 * (`<clockOffsetMs>` of the fixture), so the dead one's leases have expired and the runs' 1-hour sleeps are due when
 * it starts, as after that much downtime. The test waits for conditions (rows, effects) with generous timeouts.
 */
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { BACKENDS, dropSchema, freshDatabase } from "../support/backends.js";
import { kill9, spawnFixture } from "../support/child.js";

const FIXTURE = "test/fixtures/workflow-primitives-child.ts";
const PARENT = "prim_parent";
const KID = "prim_kid";
const RUNS = [1, 2, 3];
const TWO_HOURS = 7_200_000;
/** How long one condition may take on a loaded machine (a process start included), ms. */
const CONDITION_TIMEOUT_MS = 120_000;

interface Worker {
  child: ChildProcess;
  stderr: () => string;
}

function effects(file: string): string[] {
  return existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean) : [];
}

function count(lines: string[], line: string): number {
  return lines.filter((l) => l === line).length;
}

describe.each(BACKENDS)("durable primitives survive SIGKILLed workers on %s", (backend) => {
  it("runs killed while sleeping, waiting for a message, waiting for children and inside steps all end SUCCESS, each committed step once, each message once", async () => {
    const { dsn, schema } = freshDatabase(backend);
    const effectsFile = join(mkdtempSync(join(tmpdir(), "pgqrs-prim-crash-")), "effects.log");
    const store = await pgqrs.connect(dsn, { schema });
    await pgqrs.admin(store).install();
    await store.createWorkflow(PARENT);
    await store.createWorkflow(KID);
    const admin = pgqrs.admin(store);
    let generation = 0;
    let live: Worker | undefined;

    /** Start worker process number `generation + 1`, its clock 2 hours past the previous one's. */
    async function startWorker(hang: "a" | "got1" | "k1" | "none"): Promise<Worker> {
      generation += 1;
      const { child } = await spawnFixture<{ ready: boolean }>(FIXTURE, [
        dsn,
        schema,
        effectsFile,
        hang,
        String(generation * TWO_HOURS),
      ]);
      let stderr = "";
      child.stderr?.on("data", (d: Buffer) => {
        stderr += d.toString();
      });
      live = { child, stderr: () => stderr };
      return live;
    }

    async function killWorker(): Promise<void> {
      if (live !== undefined) await kill9(live.child);
      live = undefined;
    }

    /** Poll until `probe` holds (real time, only as a bound: no assertion depends on how long it took). */
    async function until(what: string, probe: () => Promise<boolean>): Promise<void> {
      const deadline = Date.now() + CONDITION_TIMEOUT_MS;
      while (!(await probe())) {
        if (live !== undefined && live.child.exitCode !== null) {
          throw new Error(`worker exited while waiting for ${what}: ${live.stderr()}`);
        }
        if (Date.now() > deadline) {
          const runs = await Promise.all(parentIds.map((id) => admin.getRun(id)));
          const state = runs.map((r) => `${r.id}:${r.status}:${JSON.stringify(r.waitingFor)}`).join(" ");
          throw new Error(
            `timed out waiting for ${what}; runs ${state}; effects ${effects(effectsFile).join(",")}; worker stderr: ${live?.stderr() ?? ""}`,
          );
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }

    const parents = async () => Promise.all(parentIds.map((id) => admin.getRun(id)));
    const allParents = async (ok: (r: pgqrs.RunRecord) => boolean) => (await parents()).every(ok);
    const waitingOn = (kind: string, name: string) => (r: pgqrs.RunRecord) =>
      r.status === "PAUSED" && r.waitingFor?.kind === kind && r.waitingFor?.name === name;
    const kidsOf = async (which: number[]) =>
      (await Promise.all(parentIds.map((id) => admin.childRuns(id)))).flatMap((kids) =>
        kids.filter((k) => which.includes(Number((k.input as { input: { i: number } }).input.i))),
      );

    /**
     * With no worker alive, each of `runIds` is PAUSED and holds nothing: its trigger message has no consumer, and a
     * sleeping run's message comes back exactly at its wake-up time.
     */
    async function expectReleased(runIds: number[], kind: string): Promise<void> {
      for (const id of runIds) {
        const run = await admin.getRun(id);
        const message = await admin.getMessage(run.messageId);
        expect([run.status, run.waitingFor?.kind, message.consumerWorkerId]).toEqual(["PAUSED", kind, null]);
        if (kind === "sleep") expect(message.vt.getTime()).toBe(run.waitingFor?.until?.getTime());
      }
    }

    const triggers = [];
    for (const n of RUNS) {
      triggers.push(await pgqrs.workflow(PARENT).trigger({ n }).idempotencyKey(`crash-${n}`).start(store));
    }
    const parentIds = triggers.map((t) => t.run.id);

    try {
      // 1. Killed inside step a (its line written, the step not committed).
      await startWorker("a");
      await until("every run inside step a", async () => RUNS.every((n) => effects(effectsFile).includes(`a:${n}`)));
      await killWorker();

      // 2. Killed while every run sleeps (PAUSED for 1 hour: no lease held).
      await startWorker("none");
      await until("every run asleep", () => allParents(waitingOn("sleep", "nap")));
      await killWorker();
      await expectReleased(parentIds, "sleep");

      // 3. Killed while every run waits for a message on "go" (its 1-hour sleep over).
      await startWorker("none");
      await until("every run waiting for r1", () => allParents(waitingOn("message", "r1")));
      await killWorker();
      await expectReleased(parentIds, "message");
      // Messages sent while no worker runs wait for their recv; a repeated send with a key is the same message.
      for (const id of parentIds) {
        const first = await pgqrs.send(store, id, "go", { v: 1 }, { idempotencyKey: `v1-${id}` });
        const again = await pgqrs.send(store, id, "go", { v: 1 }, { idempotencyKey: `v1-${id}` });
        expect(again.id).toBe(first.id);
        await pgqrs.send(store, id, "go", { v: 2 });
      }

      // 4. Killed inside step got1, right after r1 received its message.
      await startWorker("got1");
      await until("every run inside got1", async () => RUNS.every((n) => effects(effectsFile).includes(`got1:${n}:1`)));
      await killWorker();

      // 5. Killed while every parent waits for its two children, themselves inside step k1.
      await startWorker("k1");
      await until("every parent waiting for children inside k1", async () => {
        const log = effects(effectsFile);
        const inK1 = RUNS.every((n) => log.includes(`k1:${n}:0`) && log.includes(`k1:${n}:1`));
        return inK1 && (await allParents((r) => r.status === "PAUSED" && r.waitingFor?.kind === "child"));
      });
      await killWorker();
      await expectReleased(parentIds, "child");

      // 6. Killed while the children sleep and their parents wait for them.
      await startWorker("none");
      await until("every child asleep", async () => {
        const kids = await kidsOf([0, 1]);
        return kids.length === RUNS.length * 2 && kids.every(waitingOn("sleep", "knap"));
      });
      // (A parent may be replayed meanwhile: its 1-hour backstop re-check is due in this process's time.)
      await until("every parent waiting for its children", () =>
        allParents((r) => r.status === "PAUSED" && r.waitingFor?.kind === "child"),
      );
      await killWorker();
      await expectReleased(parentIds, "child");
      await expectReleased(
        (await kidsOf([0, 1])).map((k) => k.id),
        "sleep",
      );

      // 7. The last worker finishes the children, the callChild and r2 (its message was there), then waits on r3;
      // a send while it runs wakes the runs.
      await startWorker("none");
      await until("every run waiting for r3", () => allParents(waitingOn("message", "r3")));
      for (const id of parentIds) await pgqrs.send(store, id, "go", { v: 3 });
      await until("every run finished", () => allParents((r) => r.status === "SUCCESS"));
      await killWorker();
    } finally {
      await killWorker();
    }

    // Every run ended SUCCESS with what its steps, messages and children produced.
    for (const [i, t] of triggers.entries()) {
      const n = RUNS[i] as number;
      const run = await admin.getRun(t.run.id);
      expect(run.status).toBe("SUCCESS");
      expect(run.waitingFor).toBeNull();
      expect(run.output).toEqual({ n, a: n, m: [1, 2, 3], kids: [n * 10, n * 10 + 1, n * 10 + 2] });
      const kids = await admin.childRuns(t.run.id);
      expect(kids.map((k) => [k.status, k.parentRunId])).toEqual([
        ["SUCCESS", t.run.id],
        ["SUCCESS", t.run.id],
        ["SUCCESS", t.run.id],
      ]);
      // Each message received once, by the recv it was meant for, oldest first.
      const messages = await admin.runMessages(t.run.id);
      expect(messages.map((m) => [m.payload, m.consumedByStep, m.consumedAt !== null])).toEqual([
        [{ v: 1 }, "r1", true],
        [{ v: 2 }, "r2", true],
        [{ v: 3 }, "r3", true],
      ]);
      const steps = await pgqrs.workflow(PARENT).steps(t.run.id, store);
      const kinds = Object.fromEntries(steps.map((s) => [s.stepName, s.kind]));
      expect(kinds).toMatchObject({ a: "step", nap: "sleep", r1: "recv", r2: "recv", r3: "recv", kid0: "child" });
      expect(steps.every((s) => s.status === "SUCCESS")).toBe(true);
      const received = steps.filter((s) => s.kind === "recv").map((s) => (s.output as { messageId: number }).messageId);
      expect(new Set(received).size).toBe(3);
    }
    // A repeated trigger with the same key is still the same run.
    const again = await pgqrs.workflow(PARENT).trigger({ n: 1 }).idempotencyKey("crash-1").start(store);
    expect([again.created, again.run.id]).toEqual([false, triggers[0]?.run.id]);

    // Step bodies killed before their commit ran twice (the killed execution and the one that committed); every
    // other body ran exactly once, whatever the kills in between; got1 saw the same message both times.
    const expected: string[] = [];
    for (const n of RUNS) {
      expected.push(`a:${n}`, `a:${n}`, `got1:${n}:1`, `got1:${n}:1`, `got2:${n}:2`, `z:${n}:3`);
      expected.push(`k1:${n}:0`, `k1:${n}:0`, `k1:${n}:1`, `k1:${n}:1`, `k1:${n}:2`);
      expected.push(`k2:${n}:0`, `k2:${n}:1`, `k2:${n}:2`);
    }
    const log = effects(effectsFile);
    expect([...log].sort()).toEqual([...expected].sort());
    expect(count(log, "z:1:3")).toBe(1);

    await store.close();
    if (backend === "postgres") await dropSchema(schema);
  }, 600_000);
});
