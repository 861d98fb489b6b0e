import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { openTestStore } from "../support/stores.js";

interface Input {
  id: number;
}

describe.each(EVERY_BACKEND)("workflow workers on %s", (backend) => {
  let n = 0;
  const setup = async () => {
    const t = await openTestStore(backend, { pollIntervalMs: 10 });
    n += 1;
    return { ...t, name: `wfw_${n}` };
  };

  it("runs the definition-driven guide: trigger, serve, result, interrupt", async () => {
    const { store, name } = await setup();
    const processTask = pgqrs.defineWorkflow({ name }, async (run, input: Input) => {
      return pgqrs.workflowStep(run, "process_item", async () => ({
        processed: "task_data",
        id: input.id,
        status: "done",
      }));
    });
    await pgqrs.workflow().name(processTask).create(store);
    const consumer = await pgqrs.consumer("worker-1", 8080, name).create(store);
    const msg = await pgqrs.workflow().name(processTask).trigger({ id: 7 }).execute(store);
    const worker = pgqrs.workflow().name(processTask).consumer(consumer).poll(store);
    const result = await pgqrs.run().message(msg).store(store).result({ timeoutMs: 10_000 });
    expect(result).toEqual({ processed: "task_data", id: 7, status: "done" });
    await consumer.interrupt();
    expect(await worker).toBe("interrupted");
    expect(await consumer.status()).toBe("suspended");
    const rec = await pgqrs.workflow(name).getRun(msg.id, store);
    expect(rec.status).toBe("SUCCESS");
    expect((await store.tables().messages().get(msg.id))?.archivedAt).not.toBeNull();
  });

  it("stores every step's output: between steps that await other work, and before a failure outside a step", async () => {
    const { store, name, clock } = await setup();
    const executions: Record<string, number> = {};
    const seenBetween: (string | undefined)[] = [];
    const count = (step: string) => {
      executions[step] = (executions[step] ?? 0) + 1;
    };
    const def = pgqrs.defineWorkflow({ name }, async (run, input: { kind: string }) => {
      const a = await pgqrs.workflowStep(run, "a", async () => {
        count(`${input.kind}:a`);
        return 1;
      });
      if (input.kind === "wait") {
        // Workflow code that awaits something else between steps: the output of "a" must not wait for "b". The run
        // goes on only once "a" reads SUCCESS from outside; were its output held for "b", the wait would time out.
        await waitFor(async () => (await store.tables().workflowSteps().get(run.id, "a"))?.status === "SUCCESS");
        seenBetween.push((await store.tables().workflowSteps().get(run.id, "a"))?.status);
      }
      if (input.kind === "fail-after") throw new Error("after a");
      if (input.kind === "retry-after" && (executions["retry-after:b"] ?? 0) === 0) {
        count("retry-after:b");
        throw new pgqrs.TransientStepError("LATER", "outside a step", { retryAfterMs: 0 });
      }
      const b = await pgqrs.workflowStep(run, "b", async () => {
        count(`${input.kind}:b`);
        return a + 1;
      });
      return b;
    });
    await store.createWorkflow(name);
    const consumer = await store.consumer(name);
    const msgs = [];
    for (const kind of ["wait", "fail-after", "retry-after"]) {
      msgs.push(await pgqrs.workflow(name).trigger({ kind }).execute(store));
    }
    const loop = pgqrs.workflow().name(def).consumer(consumer).concurrency(3).poll(store);
    const [wait, failAfter, retryAfter] = msgs;
    expect(await pgqrs.run().message(wait!).store(store).result({ timeoutMs: 10_000 })).toBe(2);
    expect(seenBetween).toEqual(["SUCCESS"]);
    await expect(pgqrs.run().message(failAfter!).store(store).result({ timeoutMs: 10_000 })).rejects.toThrow(/after a/);
    const failedRun = await store.run(failAfter!);
    expect((await store.tables().workflowSteps().get(failedRun.id, "a"))?.status).toBe("SUCCESS");
    // Released after "a" succeeded (due after a backoff on the test clock): the next delivery replays "a".
    await waitFor(async () => (await store.tables().messages().get(retryAfter!.id))?.consumerWorkerId === null);
    clock.advance(120_000);
    expect(await pgqrs.run().message(retryAfter!).store(store).result({ timeoutMs: 10_000 })).toBe(2);
    expect(executions["retry-after:a"]).toBe(1);
    for (const m of msgs) {
      const run = await store.run(m);
      const steps = await store.tables().workflowSteps().listForRun(run.id);
      expect(steps.every((s) => s.status === "SUCCESS")).toBe(true);
    }
    await consumer.interrupt();
    expect(await loop).toBe("interrupted");
  });

  it("records outcomes: permanent failure and non-Error throws fail the run, undefined succeeds with null; the loop goes on", async () => {
    const { store, name } = await setup();
    const def = pgqrs.defineWorkflow({ name }, async (run, input: { kind: string }) => {
      if (input.kind === "throw-error") {
        await pgqrs.workflowStep(run, "s1", async () => {
          // Permanent: any other error a step throws is retried (issue 16).
          throw new pgqrs.NonRetryableError("File not found");
        });
      }
      if (input.kind === "throw-string") throw "plain string";
      if (input.kind === "undefined") return undefined;
      if (input.kind === "bigint") return { n: 10n };
      return { ok: input.kind };
    });
    await store.createWorkflow(name);
    const consumer = await store.consumer(name);
    const kinds = ["throw-error", "throw-string", "undefined", "bigint", "fine"];
    const msgs = [];
    for (const kind of kinds) msgs.push(await pgqrs.workflow(name).trigger({ kind }).execute(store));
    const ctl = new AbortController();
    const loop = pgqrs.workflow().name(def).consumer(consumer).signal(ctl.signal).poll(store);
    const outcomes = [];
    for (const m of msgs) {
      outcomes.push(
        await pgqrs
          .run()
          .message(m)
          .store(store)
          .result({ timeoutMs: 10_000 })
          .then(
            (v) => ({ ok: v }),
            (e: pgqrs.PgqrsError) => ({ code: e.code, error: e.details.error }),
          ),
      );
    }
    ctl.abort();
    expect(await loop).toBe("aborted");
    expect(outcomes[0]).toMatchObject({ code: "EXECUTION_FAILED", error: { message: "File not found" } });
    expect(outcomes[1]).toMatchObject({ code: "EXECUTION_FAILED", error: { message: "plain string" } });
    expect(outcomes[2]).toEqual({ ok: null });
    expect(outcomes[3]).toMatchObject({ code: "EXECUTION_FAILED", error: { code: "INVALID_OUTPUT" } });
    expect(outcomes[4]).toEqual({ ok: { ok: "fine" } });
    // Ended by its signal: the worker is stopped (issue 17), not left `ready` with nobody serving it.
    expect(await consumer.status()).toBe("stopped");
    const [run] = await pgqrs.workflow(name).runs(store, { status: "ERROR", limit: 1 });
    expect(run?.status).toBe("ERROR");
  });

  it("reschedules a transient step failure instead of ending the loop, then succeeds", async () => {
    const { store, name, clock } = await setup();
    let calls = 0;
    const def = pgqrs.defineWorkflow(
      { name, retry: { maxAttempts: 3, backoff: pgqrs.BackoffStrategy.fixed(5_000) } },
      async (run) => {
        const a = await pgqrs.workflowStep(run, "a", async () => "A");
        const b = await pgqrs.workflowStep(run, "b", async () => {
          calls += 1;
          if (calls === 1) throw new pgqrs.TransientStepError("TIMEOUT", "upstream timed out");
          return "B";
        });
        return a + b;
      },
    );
    await store.createWorkflow(name);
    const consumer = await store.consumer(name);
    const msg = await pgqrs.workflow(name).trigger(null).execute(store);
    const loop = pgqrs.workflow().name(def).consumer(consumer).poll(store);
    await waitFor(
      async () =>
        (
          await store
            .tables()
            .workflowSteps()
            .get((await store.run(msg)).id, "b")
        )?.status === "ERROR",
    );
    const run = await store.run(msg);
    expect(run.status).toBe("RUNNING");
    // The step's failure is written before the worker puts the message back: wait for the release itself.
    await waitFor(async () => (await store.tables().messages().get(msg.id))?.consumerWorkerId === null);
    const m = await store.tables().messages().get(msg.id);
    expect(m?.archivedAt).toBeNull();
    expect(m?.vt.getTime()).toBe(clock.now().getTime() + 5_000);
    clock.advance(5_000);
    expect(await pgqrs.run().message(msg).store(store).result({ timeoutMs: 10_000 })).toBe("AB");
    expect(calls).toBe(2);
    await consumer.interrupt();
    expect(await loop).toBe("interrupted");
  });

  it("pauses a run until its resume time without using the retry budget", async () => {
    const { store, name, clock } = await setup();
    let approved = false;
    const def = pgqrs.defineWorkflow({ name }, async (run) => {
      await pgqrs.workflowStep(run, "approval", async () => {
        if (!approved) throw pgqrs.pauseError("Waiting for approval", 60_000);
        return "approved";
      });
      return "done";
    });
    await store.createWorkflow(name);
    const consumer = await store.consumer(name);
    const msg = await pgqrs.workflow(name).trigger({}).execute(store);
    const loop = pgqrs.workflow().name(def).consumer(consumer).poll(store);
    await waitFor(async () => (await store.run(msg)).status === "PAUSED");
    const run = await store.run(msg);
    expect(run.record.error).toEqual({ message: "Waiting for approval", resume_after: 60 });
    const step = await store.tables().workflowSteps().get(run.id, "approval");
    expect(step?.error).toMatchObject({ code: "PAUSED", is_transient: true });
    expect(step?.retryCount).toBe(0);
    expect(step?.retryAt?.getTime()).toBe(clock.now().getTime() + 60_000);
    approved = true;
    clock.advance(60_000);
    expect(await pgqrs.run().message(msg).store(store).result({ timeoutMs: 10_000 })).toBe("done");
    await consumer.interrupt();
    await loop;
  });

  it("finalises a cancellation at pick-up without calling the workflow", async () => {
    const { store, name } = await setup();
    let calls = 0;
    const def = pgqrs.defineWorkflow({ name }, async () => {
      calls += 1;
      return 1;
    });
    await store.createWorkflow(name);
    const msg = await pgqrs.workflow(name).trigger({}).execute(store);
    const rec = await pgqrs.workflow(name).cancel(msg.id, store);
    expect(rec.status).toBe("CANCELLING");
    const worker = await pgqrs.consumer("canceller", name).handler(def).create(store);
    await expect(pgqrs.run().message(msg).store(store).result({ timeoutMs: 10_000 })).rejects.toMatchObject({
      code: "CANCELLED",
    });
    expect(calls).toBe(0);
    expect(await worker.interrupt()).toBe("interrupted");
    await waitFor(async () => (await store.tables().messages().get(msg.id))?.archivedAt !== null);
  });

  it("serves many runs concurrently", async () => {
    const { store, name } = await setup();
    let inFlight = 0;
    let peak = 0;
    // No timing bet: every run holds at the gate until two runs are inside the function at once (which only a
    // worker running runs concurrently can reach), then all go on.
    let openGate = (): void => undefined;
    const gate = new Promise<void>((resolve) => {
      openGate = resolve;
    });
    const def = pgqrs.defineWorkflow({ name }, async (run, input: Input) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      if (inFlight >= 2) openGate();
      await gate;
      inFlight -= 1;
      return pgqrs.workflowStep(run, "double", async () => input.id * 2);
    });
    await store.createWorkflow(name);
    const consumer = await store.consumer(name);
    const msgs = [];
    for (let i = 0; i < 20; i++) msgs.push(await pgqrs.workflow(name).trigger({ id: i }).execute(store));
    const loop = pgqrs.workflow().name(def).consumer(consumer).concurrency(8).poll(store);
    // A worker running one run at a time never opens the gate: fail with that, not with the results' timeout.
    let bound: ReturnType<typeof setTimeout> | undefined;
    const stuck = new Promise<never>((_, reject) => {
      bound = setTimeout(() => reject(new Error("the worker never had two runs in flight at once")), 15_000);
    });
    await Promise.race([gate, stuck]).finally(() => clearTimeout(bound));
    expect(peak).toBeGreaterThan(1);
    const results = await Promise.all(
      msgs.map((m) => pgqrs.run().message(m).store(store).result({ timeoutMs: 20_000 })),
    );
    expect(results).toEqual(msgs.map((_, i) => i * 2));
    expect(peak).toBeGreaterThan(1);
    expect(peak).toBeLessThanOrEqual(8);
    await consumer.interrupt();
    await loop;
  });

  it("opens run handles for messages a worker is claiming at the same moment, without a deadlock", async () => {
    // A handle opened for a message creates its run; the worker's claim creates the same run. Each waits for the
    // other's row (the run's unique message_id, the message's key), so the claim must not lock the message's key.
    const { store, name } = await setup();
    const def = pgqrs.defineWorkflow({ name }, async (run, input: Input) =>
      pgqrs.workflowStep(run, "double", async () => input.id * 2),
    );
    await store.createWorkflow(name);
    const consumer = await store.consumer(name);
    const ids = Array.from({ length: 300 }, (_, i) => i);
    const msgs = [];
    for (const id of ids) msgs.push(await pgqrs.workflow(name).trigger({ id }).execute(store));
    const loop = pgqrs.workflow().name(def).consumer(consumer).concurrency(16).poll(store);
    for (let i = 0; i < msgs.length; i += 20) {
      await Promise.all(msgs.slice(i, i + 20).map((m) => store.run(m)));
    }
    const results = await Promise.all(
      msgs.map((m) => pgqrs.run().message(m).store(store).result({ timeoutMs: 150_000 })),
    );
    expect(results).toEqual(ids.map((id) => id * 2));
    await consumer.interrupt();
    expect(await loop).toBe("interrupted");
    // 600 sequential writes before the first result: on S3 (durable mode) each is a conditional PUT.
  }, 180_000);
});

async function waitFor(cond: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error("condition not met in time");
}
