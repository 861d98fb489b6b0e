/**
 * Queue controls, backoff and visible failures (issue 17 item 2), in virtual time: a failing handler's message is
 * visible again after `min(maxMs, baseMs × factor^(n − 1))` ms shortened by up to `jitter` (defaults 1 s, ×2, 5 min,
 * 0.2), per queue (`createQueue(name, { retry })`, `updateQueue`) and per loop (`dequeue().retry()`); the error is
 * stored on the message (`lastError`).
 */
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import type { RetryOptions } from "../../src/queue-controls-types.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { openVirtualStore, untilTimerAt } from "../support/virtual-time.js";

const POLL_MS = 100;

type Virtual = Awaited<ReturnType<typeof openVirtualStore>>;

/** The message once its delivery `attempt` has failed (its `lastError` says so). */
async function afterFailure(store: pgqrs.Store, id: number, attempt: number): Promise<pgqrs.QueueMessage> {
  await expect
    .poll(async () => (await store.tables().messages().get(id))?.lastError?.attempt, { timeout: 15_000 })
    .toBe(attempt);
  const m = await store.tables().messages().get(id);
  if (m === null || m === undefined) throw new Error(`message ${id} is gone`);
  return m;
}

/**
 * A loop over `queue` whose handler always throws; it records the virtual time of each attempt. `stop()` ends it.
 */
function failingLoop(t: Virtual, queue: string, retry?: RetryOptions, makeError?: (n: number) => unknown) {
  const attempts: number[] = [];
  const ctl = new AbortController();
  let builder = pgqrs.dequeue().from(queue).pollInterval(POLL_MS).signal(ctl.signal);
  if (retry !== undefined) builder = builder.retry(retry);
  const done = builder
    .handle(async () => {
      attempts.push(t.clock.now().getTime());
      throw makeError === undefined ? new TypeError(`boom ${attempts.length}`) : makeError(attempts.length);
    })
    .poll(t.store);
  return {
    attempts,
    stop: async () => {
      ctl.abort();
      await done;
    },
  };
}

/**
 * Walk a message through failing attempts: after attempt k (1-based) the message must be visible again after a
 * delay in `[low(k), high(k)]` ms, not claimed 1 ms before that, claimed once it is reached. The failure of attempt
 * `maxAttempts` dead-letters it. Returns the delays seen.
 */
async function walkAttempts(
  t: Virtual,
  loop: ReturnType<typeof failingLoop>,
  id: number,
  maxAttempts: number,
  range: (k: number) => [number, number],
): Promise<number[]> {
  const delays: number[] = [];
  for (let k = 1; k < maxAttempts; k += 1) {
    const m = await afterFailure(t.store, id, k);
    expect(loop.attempts).toHaveLength(k);
    const failedAt = loop.attempts[k - 1] as number;
    expect(m.archivedAt).toBeNull();
    expect(m.readCt).toBe(k);
    expect(m.lastError?.failedAt).toBe(new Date(failedAt).toISOString());
    const delay = m.vt.getTime() - failedAt;
    const [low, high] = range(k);
    expect(delay, `delay after attempt ${k}`).toBeGreaterThanOrEqual(low);
    expect(delay, `delay after attempt ${k}`).toBeLessThanOrEqual(high);
    delays.push(delay);
    // Just before it is visible, a poll finds nothing.
    if (m.vt.getTime() - 1 > t.clock.now().getTime()) {
      t.clock.set(m.vt.getTime() - 1);
      await untilTimerAt(t.clock, POLL_MS);
      expect(loop.attempts).toHaveLength(k);
    }
    await untilTimerAt(t.clock, POLL_MS);
    t.clock.advance(POLL_MS);
    await expect.poll(() => loop.attempts.length, { timeout: 15_000 }).toBe(k + 1);
  }
  const dead = await afterFailure(t.store, id, maxAttempts);
  expect(dead.archivedAt).not.toBeNull();
  expect(dead.deadLetteredAt).not.toBeNull();
  expect(dead.readCt).toBe(maxAttempts);
  return delays;
}

describe.each(EVERY_BACKEND)("queue retry backoff on %s", (backend) => {
  let n = 0;
  const setup = async (options?: Parameters<pgqrs.Admin["createQueue"]>[1]) => {
    const t = await openVirtualStore(backend);
    n += 1;
    const queue = `retry_${n}`;
    await pgqrs.admin(t.store).createQueue(queue, options);
    const producer = await t.store.producer(queue);
    return { t, queue, producer };
  };

  it("defaults: 1 s × 2^(n−1) minus up to 20 % jitter, 5 attempts, then dead-lettered with its error", async () => {
    const { t, queue, producer } = await setup();
    const m = await producer.enqueue({ job: 1 });
    const loop = failingLoop(t, queue);
    const delays = await walkAttempts(t, loop, m.id, 5, (k) => [
      Math.round(0.8 * 1000 * 2 ** (k - 1)),
      1000 * 2 ** (k - 1),
    ]);
    expect(delays).toHaveLength(4);
    const dead = await t.store.tables().messages().get(m.id);
    expect(dead?.lastError).toMatchObject({ name: "TypeError", message: "boom 5", attempt: 5 });
    await loop.stop();
    expect(loop.attempts).toHaveLength(5);
  });

  it("a queue's retry policy (exact delays without jitter, capped at maxMs, its maxAttempts)", async () => {
    const { t, queue, producer } = await setup({
      retry: { baseMs: 500, factor: 3, maxMs: 2_000, jitter: 0, maxAttempts: 4 },
    });
    const m = await producer.enqueue("q");
    const loop = failingLoop(t, queue);
    const expected = [500, 1_500, 2_000];
    const delays = await walkAttempts(t, loop, m.id, 4, (k) => [expected[k - 1] as number, expected[k - 1] as number]);
    expect(delays).toEqual(expected);
    await loop.stop();
  });

  it("updateQueue's retry policy applies to loops started after it; fields left out keep their defaults", async () => {
    const { t, queue, producer } = await setup({ retry: { baseMs: 50_000, jitter: 0 } });
    const updated = await pgqrs
      .admin(t.store)
      .updateQueue(queue, { retry: { baseMs: 10_000, jitter: 0, maxAttempts: 3 } });
    expect(updated.retry).toEqual({ baseMs: 10_000, jitter: 0, maxAttempts: 3 });
    const m = await producer.enqueue("u");
    const loop = failingLoop(t, queue);
    // factor stays the default 2.
    expect(await walkAttempts(t, loop, m.id, 3, (k) => [10_000 * 2 ** (k - 1), 10_000 * 2 ** (k - 1)])).toEqual([
      10_000, 20_000,
    ]);
    await loop.stop();
  });

  it("a running loop picks up updateQueue's retry policy within its maintenance period", async () => {
    const { t, queue, producer } = await setup({ retry: { baseMs: 50_000, jitter: 0 } });
    const loop = failingLoop(t, queue);
    await untilTimerAt(t.clock, POLL_MS);
    await pgqrs.admin(t.store).updateQueue(queue, { retry: { baseMs: 7_000, jitter: 0 } });
    // 20 s in 1 s steps: more than one maintenance period (15 s with the default heartbeat).
    for (let i = 0; i < 20; i += 1) {
      t.clock.advance(1_000);
      await untilTimerAt(t.clock, POLL_MS);
    }
    const m = await producer.enqueue("after the update");
    t.clock.advance(POLL_MS);
    const failed = await afterFailure(t.store, m.id, 1);
    expect(failed.vt.getTime() - (loop.attempts[0] as number)).toBe(7_000);
    await loop.stop();
  });

  it("a loop's retry() wins over the queue's, field by field", async () => {
    const { t, queue, producer } = await setup({ retry: { baseMs: 50_000, factor: 5, jitter: 0, maxAttempts: 9 } });
    const m = await producer.enqueue("l");
    const loop = failingLoop(t, queue, { baseMs: 300, maxAttempts: 3 });
    // factor 5 and jitter 0 come from the queue.
    expect(await walkAttempts(t, loop, m.id, 3, (k) => [300 * 5 ** (k - 1), 300 * 5 ** (k - 1)])).toEqual([300, 1_500]);
    await loop.stop();
  });

  it("an explicit releaseDelay keeps its fixed delay; the attempts still follow the policy", async () => {
    const { t, queue, producer } = await setup({ retry: { maxAttempts: 2 } });
    const m = await producer.enqueue("fixed");
    const attempts: number[] = [];
    const ctl = new AbortController();
    const done = pgqrs
      .dequeue()
      .from(queue)
      .pollInterval(POLL_MS)
      .releaseDelay(7)
      .signal(ctl.signal)
      .handle(async () => {
        attempts.push(t.clock.now().getTime());
        throw new Error("fixed");
      })
      .poll(t.store);
    const first = await afterFailure(t.store, m.id, 1);
    expect(first.vt.getTime() - (attempts[0] as number)).toBe(7_000);
    await untilTimerAt(t.clock, POLL_MS);
    t.clock.advance(7_000 + POLL_MS);
    const dead = await afterFailure(t.store, m.id, 2);
    expect(dead.deadLetteredAt).not.toBeNull();
    ctl.abort();
    await done;
  });

  it("stores the error: name, message, head of the stack, attempt, time; non-errors and long messages", async () => {
    const { t, queue, producer } = await setup({ retry: { baseMs: 1, jitter: 0, maxAttempts: 3 } });
    const m = await producer.enqueue("e");
    const deep = (d: number): Error => (d === 0 ? new RangeError("x".repeat(5_000)) : deep(d - 1));
    const previousLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 50;
    const loop = failingLoop(t, queue, undefined, (k) =>
      k === 1 ? new TypeError("first failure") : k === 2 ? "just text" : deep(30),
    );
    try {
      const one = await afterFailure(t.store, m.id, 1);
      expect(one.lastError).toMatchObject({ name: "TypeError", message: "first failure", attempt: 1 });
      expect(one.lastError?.stack?.split("\n")[0]).toBe("TypeError: first failure");
      expect(one.lastError?.stack?.split("\n").length).toBeLessThanOrEqual(10);
      expect(one.lastError?.failedAt).toBe(new Date(loop.attempts[0] as number).toISOString());
      await untilTimerAt(t.clock, POLL_MS);
      t.clock.advance(POLL_MS);
      const two = await afterFailure(t.store, m.id, 2);
      expect(two.lastError).toEqual({
        name: "Error",
        message: "just text",
        stack: null,
        attempt: 2,
        failedAt: new Date(loop.attempts[1] as number).toISOString(),
      });
      await untilTimerAt(t.clock, POLL_MS);
      t.clock.advance(POLL_MS);
      const three = await afterFailure(t.store, m.id, 3);
      expect(three.lastError?.name).toBe("RangeError");
      expect(three.lastError?.message.length).toBeLessThanOrEqual(2_000);
      expect(three.lastError?.message.startsWith("xxxx")).toBe(true);
      expect(three.lastError?.stack?.split("\n").length).toBeLessThanOrEqual(10);
      expect(three.lastError?.stack?.length).toBeLessThanOrEqual(4_000);
      expect(three.deadLetteredAt).not.toBeNull();
      // The admin view of the message carries it too.
      expect((await pgqrs.admin(t.store).getMessage(m.id)).lastError?.attempt).toBe(3);
    } finally {
      Error.stackTraceLimit = previousLimit;
      await loop.stop();
    }
  });

  it("a one-shot execute() that fails releases with backoff and the error", async () => {
    const { t, queue, producer } = await setup({ retry: { baseMs: 4_000, jitter: 0 } });
    const m = await producer.enqueue("once");
    const now = t.clock.now().getTime();
    await expect(
      pgqrs
        .dequeue()
        .from(queue)
        .handle(async () => {
          throw new Error("once failed");
        })
        .execute(t.store),
    ).rejects.toThrow("once failed");
    const after = await t.store.tables().messages().get(m.id);
    expect(after?.vt.getTime()).toBe(now + 4_000);
    expect(after?.lastError).toMatchObject({ message: "once failed", attempt: 1 });
    expect(after?.consumerWorkerId).toBeNull();
  });

  it("jitter shortens each delay by a random part of up to jitter × delay", async () => {
    const { t, queue, producer } = await setup({ retry: { baseMs: 10_000, jitter: 0.5 } });
    const ms = await producer.enqueueBatch(Array.from({ length: 12 }, (_, i) => i));
    const now = t.clock.now().getTime();
    for (let i = 0; i < ms.length; i += 1) {
      await pgqrs
        .dequeue()
        .from(queue)
        .handle(async () => {
          throw new Error("jittered");
        })
        .execute(t.store)
        .catch(() => undefined);
    }
    const delays = await Promise.all(
      ms.map(async (m) => ((await t.store.tables().messages().get(m.id))?.vt.getTime() ?? 0) - now),
    );
    for (const d of delays) {
      expect(d).toBeGreaterThanOrEqual(5_000);
      expect(d).toBeLessThanOrEqual(10_000);
    }
    // Twelve independent draws are not all the same.
    expect(new Set(delays).size).toBeGreaterThan(1);
  });

  it("refuses a bad loop retry policy before claiming anything", async () => {
    const { t, queue, producer } = await setup();
    await producer.enqueue("untouched");
    for (const [field, retry] of [
      ["retry.baseMs", { baseMs: -5 }],
      ["retry.factor", { factor: 0 }],
      ["retry.jitter", { jitter: 2 }],
      ["retry.maxAttempts", { maxAttempts: 0 }],
    ] as [string, RetryOptions][]) {
      const err = await pgqrs
        .dequeue()
        .from(queue)
        .retry(retry)
        .handle(async () => undefined)
        .poll(t.store)
        .then(
          () => null,
          (e: pgqrs.PgqrsError) => e,
        );
      expect(err?.code).toBe("VALIDATION_FAILED");
      expect(err?.message).toContain(field);
    }
    const [m] = await t.store.tables().messages().list({ state: "all" });
    expect(m?.readCt).toBe(0);
  });
});
