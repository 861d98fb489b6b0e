/**
 * Crash tests of the durable primitives with real processes: worker processes (test/fixtures/
 * workflow-primitives-child.ts) are SIGKILLed while their runs sleep, wait for a message, wait for children, and
 * inside steps (of a parent and of children); new processes take over. Every run ends SUCCESS, no step body runs
 * again once it committed (each body appends a line to an effects file: the counts are exact), and no message is
 * received twice (each is consumed once, by the recv it was meant for, and a replay returns the same one).
 *
 * Nothing waits for time to pass: each new process runs with its clock 2 hours further on than the one before (see
 * test/support/primitives-crash-harness.ts), so the dead one's leases have expired and the runs' 1-hour sleeps are
 * due when it starts. The test waits for conditions (rows, effects) with generous timeouts.
 */
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { EVERY_BACKEND, manyProcesses } from "../support/backends.js";
import { expectFinished, linesOfRun, openCrashHarness } from "../support/primitives-crash-harness.js";

const RUNS = [1, 2, 3];

describe.each(EVERY_BACKEND)("durable primitives survive SIGKILLed workers on %s", (backend) => {
  it.skipIf(!manyProcesses(backend))(
    "runs killed while sleeping, waiting for a message, waiting for children and inside steps all end SUCCESS, each committed step once, each message once",
    async () => {
      const h = await openCrashHarness(backend, RUNS);
      const { admin, parentIds } = h;
      const allParents = async (ok: (r: pgqrs.RunRecord) => boolean) => (await h.parents()).every(ok);
      const waitingOn = (kind: string, name: string) => (r: pgqrs.RunRecord) =>
        r.status === "PAUSED" && r.waitingFor?.kind === kind && r.waitingFor?.name === name;
      const logged = (lines: (n: number) => string[]) => async () =>
        RUNS.every((n) => lines(n).every((l) => h.effects().includes(l)));

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

      try {
        // 1. Killed inside step a (its line written, the step not committed).
        await h.startWorker("a");
        await h.until(
          "every run inside step a",
          logged((n) => [`a:${n}`]),
        );
        await h.killWorker();

        // 2. Killed while every run sleeps (PAUSED for 1 hour: no lease held).
        await h.startWorker("none");
        await h.until("every run asleep", () => allParents(waitingOn("sleep", "nap")));
        await h.killWorker();
        await expectReleased(parentIds, "sleep");

        // 3. Killed while every run waits for a message on "go" (its 1-hour sleep over).
        await h.startWorker("none");
        await h.until("every run waiting for r1", () => allParents(waitingOn("message", "r1")));
        await h.killWorker();
        await expectReleased(parentIds, "message");
        // Messages sent while no worker runs wait for their recv; a repeated send with a key is the same message.
        for (const id of parentIds) {
          const first = await pgqrs.send(h.store, id, "go", { v: 1 }, { idempotencyKey: `v1-${id}` });
          const again = await pgqrs.send(h.store, id, "go", { v: 1 }, { idempotencyKey: `v1-${id}` });
          expect(again.id).toBe(first.id);
          await pgqrs.send(h.store, id, "go", { v: 2 });
        }

        // 4. Killed inside step got1, right after r1 received its message.
        await h.startWorker("got1");
        await h.until(
          "every run inside got1",
          logged((n) => [`got1:${n}:1`]),
        );
        await h.killWorker();

        // 5. Killed while every parent waits for its two children, themselves inside step k1.
        await h.startWorker("k1");
        await h.until("every parent waiting for children inside k1", async () => {
          const inK1 = await logged((n) => [`k1:${n}:0`, `k1:${n}:1`])();
          return inK1 && (await allParents((r) => r.status === "PAUSED" && r.waitingFor?.kind === "child"));
        });
        await h.killWorker();
        await expectReleased(parentIds, "child");

        // 6. Killed while the children sleep and their parents wait for them. (A parent may be replayed meanwhile:
        // its 1-hour backstop re-check is due in this process's time.)
        await h.startWorker("none");
        await h.until("every child asleep", async () => {
          const kids = await h.kids([0, 1]);
          return kids.length === RUNS.length * 2 && kids.every(waitingOn("sleep", "knap"));
        });
        await h.until("every parent waiting for its children", () =>
          allParents((r) => r.status === "PAUSED" && r.waitingFor?.kind === "child"),
        );
        await h.killWorker();
        await expectReleased(parentIds, "child");
        await expectReleased(
          (await h.kids([0, 1])).map((k) => k.id),
          "sleep",
        );

        // 7. The last worker finishes the children, the callChild and r2 (its message was there), then waits on r3;
        // a send while it runs wakes the runs.
        await h.startWorker("none");
        await h.until("every run waiting for r3", () => allParents(waitingOn("message", "r3")));
        for (const id of parentIds) await pgqrs.send(h.store, id, "go", { v: 3 });
        await h.until("every run finished", () => allParents((r) => r.status === "SUCCESS"));
        await h.killWorker();

        await expectFinished(h, RUNS);
        // Step bodies killed before their commit ran twice (the killed execution and the one that committed); every
        // other body ran exactly once, whatever the kills in between; got1 saw the same message both times.
        const expected = RUNS.flatMap((n) => [...linesOfRun(n), `a:${n}`, `got1:${n}:1`, `k1:${n}:0`, `k1:${n}:1`]);
        expect([...h.effects()].sort()).toEqual(expected.sort());
      } finally {
        await h.close();
      }
    },
    600_000,
  );
});
