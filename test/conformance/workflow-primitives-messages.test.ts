/**
 * Messages to a run (issue 15): `pgqrs.send` / `run.send` and `run.recv`. Messages sent before a `recv` wait for
 * it; `recv` returns the oldest not yet received, exactly once (a replay gets the same message for the same name),
 * or `null` at its timeout; a `send` wakes a waiting run long before that timeout.
 */
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { DAY_MS, drive, openPrimitives, PROMPT_MS, wfName } from "../support/primitives.js";

describe.each(EVERY_BACKEND)("send and recv on %s", (backend) => {
  it("keeps messages sent before the recv; recv takes the oldest first, each message once per name", async () => {
    const p = await openPrimitives(backend);
    const { store, clock } = p;
    const name = wfName("inbox");
    const def = pgqrs.defineWorkflow({ name }, async (run) => {
      const first = await run.recv<string>("first", "greetings");
      const second = await run.recv<string>("second", "greetings");
      // The same name is the same operation: it returns the message it received, and consumes nothing.
      const again = await run.recv<string>("first", "greetings");
      return { first, second, again };
    });
    await store.createWorkflow(name);
    const { message, run } = await pgqrs.workflow(name).trigger(null).start(store);
    expect(run.messageId).toBe(message.id);
    const sent: pgqrs.RunMessageRecord[] = [];
    for (const payload of ["a", "b", "c"]) {
      sent.push(await pgqrs.send(store, run.id, "greetings", payload));
      clock.advance(1_000);
    }
    await pgqrs.send(store, run.id, "other", "x");
    expect(sent[0]).toMatchObject({
      runId: run.id,
      topic: "greetings",
      payload: "a",
      idempotencyKey: null,
      senderRunId: null,
      consumedAt: null,
      consumedByStep: null,
    });
    expect(new Set(sent.map((m) => m.id)).size).toBe(3);
    await p.serve(def);
    const done = await p.runWhen(message, p.byStatus("SUCCESS"));
    expect(done.output).toEqual({ first: "a", second: "b", again: "a" });
    const listed = await pgqrs.admin(store).runMessages(run.id);
    expect(listed.map((m) => [m.topic, m.payload, m.consumedByStep])).toEqual([
      ["greetings", "a", "first"],
      ["greetings", "b", "second"],
      ["greetings", "c", null],
      ["other", "x", null],
    ]);
    expect(listed[0]?.consumedAt).toBeInstanceOf(Date);
    expect(listed[2]?.consumedAt).toBeNull();
    expect((await store.tables().workflowSteps().get(run.id, "first"))?.kind).toBe("recv");
  });

  it("gives a replay after a crash the same message for the same name", async () => {
    const p = await openPrimitives(backend);
    const { store } = p;
    const name = wfName("replay_recv");
    let calls = 0;
    const def = pgqrs.defineWorkflow({ name }, async (run) => {
      calls += 1;
      const got = await run.recv<string>("only", "t");
      // The first attempt dies after its recv committed: the next delivery replays the run.
      if (calls === 1) throw new pgqrs.TransientStepError("CRASH", "crash after recv", { retryAfterMs: 0 });
      return got;
    });
    await store.createWorkflow(name);
    const { message, run } = await pgqrs.workflow(name).trigger(null).start(store);
    await pgqrs.send(store, run.id, "t", "a");
    await pgqrs.send(store, run.id, "t", "b");
    await p.serve(def);
    const done = await p.runWhen(message, p.byStatus("SUCCESS"));
    expect(done.output).toBe("a");
    expect(calls).toBe(2);
    const listed = await pgqrs.admin(store).runMessages(run.id);
    expect(listed.map((m) => [m.payload, m.consumedByStep])).toEqual([
      ["a", "only"],
      ["b", null],
    ]);
  });

  it("gives a second handle of the run (a second delivery) the same message for the same name", async () => {
    const p = await openPrimitives(backend);
    const { store } = p;
    const name = wfName("two_handles");
    await store.createWorkflow(name);
    const { message, run } = await pgqrs.workflow(name).trigger(null).start(store);
    await pgqrs.send(store, run.id, "t", "a");
    await pgqrs.send(store, run.id, "t", "b");
    const first = await store.run(message);
    await first.start();
    expect(await first.recv<string>("r1", "t")).toBe("a");
    const second = await store.run(message);
    expect(await second.recv<string>("r1", "t")).toBe("a");
    expect(await second.recv<string>("r2", "t")).toBe("b");
    expect(await first.recv<string>("r2", "t")).toBe("b");
    const listed = await pgqrs.admin(store).runMessages(run.id);
    expect(listed.map((m) => m.consumedByStep)).toEqual(["r1", "r2"]);
  });

  it("returns null at the recv's timeout of the store's clock, not before", async () => {
    const p = await openPrimitives(backend);
    const { store, clock } = p;
    const name = wfName("timeout");
    const def = pgqrs.defineWorkflow({ name }, async (run) => ({
      got: await run.recv("approval", "decision", { timeoutMs: DAY_MS }),
    }));
    await p.serve(def);
    const t0 = clock.now().getTime();
    const msg = await pgqrs.workflow(name).trigger(null).execute(store);
    const paused = await p.runWhen(msg, p.byStatus("PAUSED"));
    const t1 = clock.now().getTime();
    expect(paused.waitingFor).toMatchObject({ kind: "message", topic: "decision", name: "approval" });
    const until = paused.waitingFor?.until?.getTime() ?? Number.NaN;
    expect(until).toBeGreaterThanOrEqual(t0 + DAY_MS);
    expect(until).toBeLessThanOrEqual(t1 + DAY_MS);
    // Released (no lease), due back at the deadline or at the engine's hourly re-check, whichever comes first.
    const waiting = await store.tables().messages().get(msg.id);
    expect(waiting?.consumerWorkerId).toBeNull();
    expect(waiting?.vt.getTime()).toBeLessThanOrEqual(until);
    // A minute before the deadline the run is re-checked, finds nothing and waits again, until the deadline (time
    // passes in steps meanwhile, never up to the deadline).
    clock.set(until - 60_000);
    await drive(
      clock,
      async () => {
        const [run, message] = await Promise.all([p.runOf(msg), store.tables().messages().get(msg.id)]);
        return run?.status === "PAUSED" && message?.consumerWorkerId === null && message?.vt.getTime() === until;
      },
      { maxMs: 59_000 },
    );
    clock.set(until - 1);
    expect(await (await store.consumer(name)).dequeue()).toEqual([]);
    expect((await p.runOf(msg))?.status).toBe("PAUSED");
    clock.advance(1);
    const done = await p.runWhen(msg, p.byStatus("SUCCESS"));
    expect(done.output).toEqual({ got: null });
    expect(await store.tables().workflowSteps().get(done.id, "approval")).toMatchObject({
      kind: "recv",
      status: "SUCCESS",
    });
  });

  it("wakes a waiting run on send, long before its timeout (and a recv without a timeout too)", async () => {
    const p = await openPrimitives(backend);
    const { store, clock } = p;
    const name = wfName("wake");
    const def = pgqrs.defineWorkflow({ name }, async (run, input: { timeout: boolean }) =>
      run.recv("approval", "decision", input.timeout ? { timeoutMs: DAY_MS } : {}),
    );
    await p.serve(def, { concurrency: 2 });
    for (const timeout of [true, false]) {
      const msg = await pgqrs.workflow(name).trigger({ timeout }).execute(store);
      const paused = await p.runWhen(msg, p.byStatus("PAUSED"));
      expect(paused.waitingFor).toMatchObject({ kind: "message", topic: "decision" });
      const sentAt = clock.now().getTime();
      const sent = await pgqrs.send(store, paused.id, "decision", { approved: timeout });
      // Within PROMPT_MS of virtual time: before the day-long timeout, and before the hour-long backstop.
      const done = await p.runWhen(msg, p.byStatus("SUCCESS"));
      expect(done.output).toEqual({ approved: timeout });
      expect(clock.now().getTime() - sentAt).toBeLessThanOrEqual(PROMPT_MS);
      const [listed] = await pgqrs.admin(store).runMessages(paused.id);
      expect(listed).toMatchObject({ id: sent.id, consumedByStep: "approval" });
    }
  });

  it("gives concurrent recvs (Promise.all) a message each; the one left waiting is woken by the next send", async () => {
    const p = await openPrimitives(backend);
    const { store } = p;
    const name = wfName("fan_in");
    let calls = 0;
    const def = pgqrs.defineWorkflow({ name }, async (run) => {
      calls += 1;
      return Promise.all([run.recv<string>("x", "t"), run.recv<string>("y", "t")]);
    });
    await store.createWorkflow(name);
    const { message, run } = await pgqrs.workflow(name).trigger(null).start(store);
    await pgqrs.send(store, run.id, "t", "one");
    await p.serve(def);
    const paused = await p.runWhen(message, p.byStatus("PAUSED"));
    expect(paused.waitingFor).toMatchObject({ kind: "message", topic: "t" });
    const [first] = await pgqrs.admin(store).runMessages(run.id);
    expect(["x", "y"]).toContain(first?.consumedByStep);
    await pgqrs.send(store, run.id, "t", "two");
    const done = await p.runWhen(message, p.byStatus("SUCCESS"));
    const byName = first?.consumedByStep === "x" ? ["one", "two"] : ["two", "one"];
    expect(done.output).toEqual(byName);
    const listed = await pgqrs.admin(store).runMessages(run.id);
    expect(new Set(listed.map((m) => m.consumedByStep))).toEqual(new Set(["x", "y"]));
    expect(calls).toBe(2);
  });

  it("dedups sends by idempotency key, per run", async () => {
    const p = await openPrimitives(backend);
    const { store } = p;
    const name = wfName("dedup");
    await store.createWorkflow(name);
    const { run } = await pgqrs.workflow(name).trigger(null).start(store);
    const { run: other } = await pgqrs.workflow(name).trigger(null).start(store);
    const first = await pgqrs.send(store, run.id, "t", { n: 1 }, { idempotencyKey: "k" });
    expect(first.idempotencyKey).toBe("k");
    const before = await p.snapshot();
    const again = await pgqrs.send(store, run.id, "t", { n: 2 }, { idempotencyKey: "k" });
    expect(again.id).toBe(first.id);
    expect(again.payload).toEqual({ n: 1 });
    expect(await p.snapshot()).toBe(before);
    const otherKey = await pgqrs.send(store, run.id, "t", { n: 3 }, { idempotencyKey: "k2" });
    expect(otherKey.id).not.toBe(first.id);
    const otherRun = await pgqrs.send(store, other.id, "t", { n: 4 }, { idempotencyKey: "k" });
    expect(otherRun.id).not.toBe(first.id);
    expect(otherRun.runId).toBe(other.id);
    expect((await pgqrs.admin(store).runMessages(run.id)).map((m) => m.payload)).toEqual([{ n: 1 }, { n: 3 }]);
    expect((await pgqrs.admin(store).runMessages(other.id)).map((m) => m.payload)).toEqual([{ n: 4 }]);
  });

  it("run.send sends once per name, also when the sender is replayed", async () => {
    const p = await openPrimitives(backend);
    const { store } = p;
    const inbox = wfName("target");
    await store.createWorkflow(inbox);
    const { run: target } = await pgqrs.workflow(inbox).trigger(null).start(store);
    const name = wfName("sender");
    let calls = 0;
    const def = pgqrs.defineWorkflow({ name }, async (run, input: { to: number }) => {
      calls += 1;
      await run.send("hello", input.to, "t", { from: run.id });
      await run.send("hello", input.to, "t", { from: "the same name again" });
      if (calls === 1) throw new pgqrs.TransientStepError("CRASH", "crash after send", { retryAfterMs: 0 });
      await run.send("bye", input.to, "t", "bye");
      return "sent";
    });
    await p.serve(def);
    const msg = await pgqrs.workflow(name).trigger({ to: target.id }).execute(store);
    const done = await p.runWhen(msg, p.byStatus("SUCCESS"));
    expect(calls).toBe(2);
    const listed = await pgqrs.admin(store).runMessages(target.id);
    expect(listed.map((m) => [m.payload, m.senderRunId])).toEqual([
      [{ from: done.id }, done.id],
      ["bye", done.id],
    ]);
    expect((await store.tables().workflowSteps().get(done.id, "hello"))?.kind).toBe("send");
  });

  it("refuses sends to unknown or finished runs and bad topics, payloads and keys, writing nothing", async () => {
    const p = await openPrimitives(backend);
    const { store } = p;
    const name = wfName("refused");
    await store.createWorkflow(name);
    const { run } = await pgqrs.workflow(name).trigger(null).start(store);
    const { message: finishedMsg, run: finished } = await pgqrs.workflow(name).trigger(null).start(store);
    const handle = await store.run(finishedMsg);
    await handle.start();
    await handle.complete("over");
    await p.expectNothingWritten("RUN_NOT_FOUND", () => pgqrs.send(store, finished.id + 1_000, "t", 1));
    await p.expectNothingWritten("INVALID_STATE_TRANSITION", () => pgqrs.send(store, finished.id, "t", 1));
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    for (const payload of [() => 1, 10n, Symbol("s"), circular]) {
      await p.expectNothingWritten("VALIDATION_FAILED", () => pgqrs.send(store, run.id, "t", payload));
    }
    for (const topic of ["", "x".repeat(256), 42 as unknown as string]) {
      await p.expectNothingWritten("VALIDATION_FAILED", () => pgqrs.send(store, run.id, topic, 1));
    }
    await p.expectNothingWritten("VALIDATION_FAILED", () =>
      pgqrs.send(store, run.id, "t", 1, { idempotencyKey: 42 as unknown as string }),
    );
    for (const id of [0, -1, 1.5]) {
      await p.expectNothingWritten("VALIDATION_FAILED", () => pgqrs.send(store, id, "t", 1));
    }
    expect(await pgqrs.admin(store).runMessages(run.id)).toEqual([]);
  });
});
