import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import {
  MAX_DURATION_MS,
  MAX_DURATION_SECONDS,
  MAX_TIME_MS,
  MIN_TIME_MS,
} from "../../src/validation/time-arguments.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { expectRefused, rowSnapshot } from "../support/row-snapshot.js";
import { openTestStore } from "../support/stores.js";

// Issue 14 item 3 (review M1): every Date, delay, lease, age and timeout argument is checked against one range
// (Dates 1970-01-01 … 9999-12-31T23:59:59.999Z, durations 0 … 100 years) with VALIDATION_FAILED naming the
// argument and nothing written, the same on both backends.

const YEAR_20000 = new Date("+020000-01-01T00:00:00.000Z");
const BC = new Date(-2e14);
const INVALID = new Date(Number.NaN);

describe.each(EVERY_BACKEND)("time arguments on %s", (backend) => {
  let store: pgqrs.Store;
  let producer: pgqrs.Producer;
  let consumer: pgqrs.Consumer;
  let held: pgqrs.QueueMessage;
  let run: pgqrs.Run;
  let guard: pgqrs.StepGuard;

  beforeAll(async () => {
    ({ store } = await openTestStore(backend));
    const admin = pgqrs.admin(store);
    await admin.createQueue("q");
    producer = await store.producer("q");
    consumer = await store.consumer("q");
    await producer.enqueue({ n: 1 });
    await producer.enqueue({ n: 2 });
    [held] = (await consumer.dequeue()) as [pgqrs.QueueMessage];
    await store.createWorkflow("wf");
    const wfConsumer = await store.consumer("wf");
    await pgqrs.workflow("wf").trigger({}).execute(store);
    const [trigger] = await wfConsumer.dequeue();
    run = await pgqrs.run().message(trigger!).store(store).execute();
    await run.start();
    const step = await run.acquireStep("s");
    if (step.status !== "EXECUTE") throw new Error("expected EXECUTE");
    guard = step.guard;
  });

  it("enqueue dates outside 1970-9999 (year 20000, BC, Invalid Date, not a Date) are refused", async () => {
    for (const at of [YEAR_20000, BC, INVALID, new Date(-1)]) {
      await expectRefused(store, "at", () => producer.enqueueAt({}, at));
      await expectRefused(store, "at", () => producer.enqueue({}, { at }));
      await expectRefused(store, "at", () => producer.enqueueBatch([1, 2], { at }));
      await expectRefused(store, "at", () => pgqrs.enqueue().message(1).to("q").at(at).execute(store));
    }
    const notADate = "2026-01-01" as unknown as Date;
    await expectRefused(store, "at", () => producer.enqueue({}, { at: notADate }));
  });

  it("delays beyond 100 years, negative, NaN or infinite are refused", async () => {
    for (const d of [1e12, 2 ** 63, MAX_DURATION_SECONDS + 1, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      await expectRefused(store, "delaySeconds", () => producer.enqueueDelayed({}, d));
      await expectRefused(store, "delaySeconds", () => producer.enqueueBatch([1, 2], { delaySeconds: d }));
      await expectRefused(store, "delay", () => pgqrs.enqueue().message(1).to("q").delay(d).execute(store));
      await expectRefused(store, "withDelay", () =>
        pgqrs
          .enqueue()
          .message(1)
          .to("q")
          .withDelay(d * 1000)
          .execute(store),
      );
    }
    const strDelay = "5" as unknown as number;
    await expectRefused(store, "delaySeconds", () => producer.enqueueDelayed({}, strDelay));
    // A valid delay from a valid date that lands past 9999-12-31 names the delay.
    const lateDay = new Date("9999-12-31T00:00:00.000Z");
    await expectRefused(store, "delaySeconds", () => producer.enqueueAt({}, lateDay, 2 * 86_400));
  });

  it("leases (vtSeconds, withVt, extendVt) beyond 100 years are refused and claim nothing", async () => {
    for (const vt of [1e12, 2 ** 63, -1, Number.NaN]) {
      await expectRefused(store, "vtSeconds", () => consumer.dequeue({ vtSeconds: vt }));
      await expectRefused(store, "vtSeconds", () => consumer.dequeueMany(1, vt));
      await expectRefused(store, "withVt", () => pgqrs.dequeue().from("q").withVt(vt).fetchOne(store));
      await expectRefused(store, "seconds", () => consumer.extendVt(held.id, vt));
      await expectRefused(store, "seconds", () => consumer.extendVtMany([held.id], vt));
    }
    const def = pgqrs.defineWorkflow({ name: "wf" }, async () => null);
    await expectRefused(store, "vtSeconds", () =>
      pgqrs.consumer("w", "wf").handler(def, { vtSeconds: 1e12 }).create(store),
    );
    await expectRefused(store, "pollIntervalMs", () =>
      pgqrs.consumer("w", "wf").handler(def, { pollIntervalMs: 1e12 }).create(store),
    );
    await expectRefused(store, "withVt", () => pgqrs.workflow().name(def).consumer(consumer).withVt(1e12).poll(store));
    await expectRefused(store, "at", () => consumer.dequeue({ at: YEAR_20000 }));
    await expectRefused(store, "at", () => pgqrs.dequeue().from("q").at(BC).fetchAll(store));
  });

  it("release visibility and release delays outside the range are refused", async () => {
    for (const at of [YEAR_20000, BC, INVALID]) {
      await expectRefused(store, "visibleAt", () => consumer.releaseWithVisibility(held.id, at));
      await expectRefused(store, "visibleAt", () => consumer.releaseMany([held.id], at));
    }
    await expectRefused(store, "releaseDelay", () =>
      pgqrs
        .dequeue()
        .from("q")
        .releaseDelay(1e12)
        .handle(() => undefined)
        .execute(store),
    );
    await expectRefused(store, "pollInterval", () => pgqrs.dequeue().from("q").pollInterval(1e12).poll(store));
    await expectRefused(store, "until", () => pgqrs.dequeue().from("q").until(Number.NaN).poll(store));
  });

  it("ages (olderThanMs, heartbeat timeouts) that are NaN, negative or beyond 100 years are refused", async () => {
    const admin = pgqrs.admin(store);
    for (const age of [Number.NaN, -1, MAX_DURATION_MS + 1, 2 ** 63]) {
      await expectRefused(store, "olderThanMs", () => admin.listZombies({ olderThanMs: age }));
      await expectRefused(store, "olderThanMs", () => admin.purgeOldWorkers(age));
      await expectRefused(store, "olderThanMs", () => admin.reclaimMessages("q", age));
      await expectRefused(store, "olderThanMs", () => store.tables().workers().listZombies({ olderThanMs: age }));
      await expectRefused(store, "heartbeatTimeoutMs", () => admin.workerHealthStats({ heartbeatTimeoutMs: age }));
    }
    // 100 years back from 2026 is before 1970: the cutoff clamps to the range ("everything that old").
    expect(await admin.purgeOldWorkers(MAX_DURATION_MS)).toBe(0);
    expect(await admin.listZombies({ olderThanMs: MAX_DURATION_MS })).toEqual([]);
  });

  it("workflow times (currentTime, withTime, retry and resume delays, retry policies, timeouts) are checked", async () => {
    await expectRefused(store, "currentTime", () => run.acquireStep("t", { currentTime: YEAR_20000 }));
    await expectRefused(store, "withTime", () => pgqrs.step().run(run).name("t").withTime(BC).execute());
    await expectRefused(store, "at", () => run.withTime(INVALID));
    for (const ms of [1e15, MAX_DURATION_MS + 1, Number.NaN, -1]) {
      await expectRefused(store, "retryAfterMs", () => guard.failTransient("X", "y", { retryAfterMs: ms }));
      await expectRefused(store, "resumeAfterMs", () => run.pause("later", ms));
      await expectRefused(store, "resumeAfterMs", () => pgqrs.pauseError("later", ms));
      await expectRefused(store, "retry_after", () =>
        guard.failWithJson({ is_transient: true, retry_after: ms / 1000 }),
      );
    }
    await expectRefused(store, "retry policy", () =>
      run.acquireStep("t", { retry: { backoff: pgqrs.BackoffStrategy.fixed(1e15) } }),
    );
    await expectRefused(store, "retry policy", () => run.acquireStep("t", { retry: { maxAttempts: 1.5 } }));
    const m = { ...held };
    await expectRefused(store, "timeoutMs", () =>
      pgqrs.run().message(m).store(store).result({ timeoutMs: Number.NaN }),
    );
  });

  it("property: a Date is accepted exactly when it lies in 1970-01-01 … 9999-12-31T23:59:59.999Z, and reads back", async () => {
    const ms = fc.oneof(
      fc.integer({ min: MIN_TIME_MS, max: MAX_TIME_MS }),
      fc.integer({ min: -8.64e15, max: 8.64e15 }),
      fc.constantFrom(MIN_TIME_MS, MAX_TIME_MS, MIN_TIME_MS - 1, MAX_TIME_MS + 1),
    );
    await fc.assert(
      fc.asyncProperty(ms, async (t) => {
        const at = new Date(t);
        const inRange = t >= MIN_TIME_MS && t <= MAX_TIME_MS;
        const before = await rowSnapshot(store);
        let code = "none";
        let sent: pgqrs.QueueMessage | undefined;
        try {
          sent = await producer.enqueueAt({ t }, at);
        } catch (err) {
          code = (err as { code?: string }).code ?? String(err);
        }
        if (!inRange) {
          expect(code).toBe("VALIDATION_FAILED");
          expect(await rowSnapshot(store)).toBe(before);
          return;
        }
        expect(code).toBe("none");
        const got = await pgqrs.admin(store).getMessage(sent!.id);
        expect(got.enqueuedAt.getTime()).toBe(t);
        expect(got.vt.getTime()).toBe(t);
        await pgqrs.admin(store).deleteMessages([sent!.id]);
      }),
      { numRuns: 60 },
    );
  });

  it("property: a delay is accepted exactly when it is 0 … 100 years and keeps the visible time in range", async () => {
    const base = new Date("2026-01-01T00:00:00.000Z");
    const seconds = fc.oneof(
      fc.double({ min: 0, max: MAX_DURATION_SECONDS, noNaN: true }),
      fc.double(),
      fc.constantFrom(0, MAX_DURATION_SECONDS, MAX_DURATION_SECONDS * 1.000001, -Number.MIN_VALUE),
    );
    await fc.assert(
      fc.asyncProperty(seconds, async (d) => {
        const ok = d >= 0 && d <= MAX_DURATION_SECONDS;
        const before = await rowSnapshot(store);
        let code = "none";
        let sent: pgqrs.QueueMessage | undefined;
        try {
          sent = await producer.enqueueAt({ d }, base, d);
        } catch (err) {
          code = (err as { code?: string }).code ?? String(err);
        }
        if (!ok) {
          expect(code).toBe("VALIDATION_FAILED");
          expect(await rowSnapshot(store)).toBe(before);
          return;
        }
        expect(code).toBe("none");
        const got = await pgqrs.admin(store).getMessage(sent!.id);
        expect(got.vt.getTime()).toBe(new Date(base.getTime() + d * 1000).getTime());
        await pgqrs.admin(store).deleteMessages([sent!.id]);
      }),
      { numRuns: 60 },
    );
  });
});
