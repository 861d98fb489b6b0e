/**
 * Queue controls, idempotent setup and settings (issue 17 item 9 and the settings of items 2, 6, 7):
 * `createQueue(name, { ifNotExists: true })` returns the existing queue with its settings unchanged; without it,
 * QUEUE_ALREADY_EXISTS; `updateQueue` changes (or clears with `null`) settings; every option is validated
 * (VALIDATION_FAILED naming the field, nothing written).
 */
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import type { CreateQueueOptions } from "../../src/queue-controls-types.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { openTestStore, thrown } from "../support/stores.js";

type Options = CreateQueueOptions;

/** The queues and their settings, as comparable text. */
async function queuesState(store: pgqrs.Store): Promise<string> {
  const queues = await pgqrs.admin(store).listQueues();
  return JSON.stringify(
    queues
      .map((q) => [q.id, q.queueName, q.retry, q.concurrencyLimit, q.rateLimit])
      .sort((a, b) => Number(a[0]) - Number(b[0])),
  );
}

/** Bad settings: the field the error must name, and the options. */
const BAD_SETTINGS: [string, Options][] = [
  ["retry.baseMs", { retry: { baseMs: -1 } }],
  ["retry.baseMs", { retry: { baseMs: 86_400_001 } }],
  ["retry.factor", { retry: { factor: 0.5 } }],
  ["retry.factor", { retry: { factor: 101 } }],
  ["retry.maxMs", { retry: { maxMs: 7 * 86_400_000 + 1 } }],
  ["retry.maxMs", { retry: { baseMs: 5_000, maxMs: 1_000 } }],
  ["retry.jitter", { retry: { jitter: 1.5 } }],
  ["retry.jitter", { retry: { jitter: -0.1 } }],
  ["retry.maxAttempts", { retry: { maxAttempts: 0 } }],
  ["retry.maxAttempts", { retry: { maxAttempts: 1_001 } }],
  ["retry.maxAttempts", { retry: { maxAttempts: 2.5 } }],
  ["retry", { retry: 5 as unknown as pgqrs.QueueRecord["retry"] }],
  ["concurrencyLimit", { concurrencyLimit: 0 }],
  ["concurrencyLimit", { concurrencyLimit: 10_001 }],
  ["concurrencyLimit", { concurrencyLimit: 1.5 }],
  ["concurrencyLimit", { concurrencyLimit: "3" as unknown as number }],
  ["rateLimit.max", { rateLimit: { max: 0, perSeconds: 1 } }],
  ["rateLimit.max", { rateLimit: { max: 10_001, perSeconds: 1 } }],
  ["rateLimit.max", { rateLimit: { max: 2.5, perSeconds: 1 } }],
  ["rateLimit.perSeconds", { rateLimit: { max: 1, perSeconds: 0 } }],
  ["rateLimit.perSeconds", { rateLimit: { max: 1, perSeconds: 86_401 } }],
  ["rateLimit.perSeconds", { rateLimit: { max: 1, perSeconds: Number.NaN } }],
  ["rateLimit", { rateLimit: 3 as unknown as { max: number; perSeconds: number } }],
];

describe.each(EVERY_BACKEND)("queue setup and settings on %s", (backend) => {
  it("createQueue twice with ifNotExists returns the same queue, its settings unchanged", async () => {
    const { store } = await openTestStore(backend);
    const adm = pgqrs.admin(store);
    const first = await adm.createQueue("jobs", { ifNotExists: true, concurrencyLimit: 2 });
    expect(first.concurrencyLimit).toBe(2);
    expect(first.retry).toBeNull();
    expect(first.rateLimit).toBeNull();
    const second = await adm.createQueue("jobs", { ifNotExists: true, concurrencyLimit: 9, retry: { baseMs: 5 } });
    expect(second.id).toBe(first.id);
    expect(second.concurrencyLimit).toBe(2);
    expect(second.retry).toBeNull();
    const third = await store.queue("jobs", { ifNotExists: true });
    expect(third.id).toBe(first.id);
    expect((await adm.listQueues()).filter((q) => q.queueName === "jobs")).toHaveLength(1);
  });

  it("createQueue of an existing name without ifNotExists is QUEUE_ALREADY_EXISTS, nothing changed", async () => {
    const { store } = await openTestStore(backend);
    const adm = pgqrs.admin(store);
    await adm.createQueue("taken", { rateLimit: { max: 5, perSeconds: 2 } });
    const before = await queuesState(store);
    expect((await thrown(() => adm.createQueue("taken"))).code).toBe("QUEUE_ALREADY_EXISTS");
    expect((await thrown(() => adm.createQueue("taken", { concurrencyLimit: 1 }))).code).toBe("QUEUE_ALREADY_EXISTS");
    expect((await thrown(() => store.queue("taken", { ifNotExists: false }))).code).toBe("QUEUE_ALREADY_EXISTS");
    expect(await queuesState(store)).toBe(before);
  });

  it("concurrent createQueue with ifNotExists from two stores make one queue", async () => {
    const { store, dsn, schema, clock } = await openTestStore(backend);
    const other = await pgqrs.connect(dsn, { schema, clock });
    try {
      const made = await Promise.all([
        ...Array.from({ length: 4 }, () => pgqrs.admin(store).createQueue("racy", { ifNotExists: true })),
        ...Array.from({ length: 4 }, () => pgqrs.admin(other).createQueue("racy", { ifNotExists: true })),
      ]);
      expect(new Set(made.map((q) => q.id)).size).toBe(1);
    } finally {
      await other.close();
    }
  });

  it("stores every setting and reads it back (getQueue, listQueues)", async () => {
    const { store } = await openTestStore(backend);
    const adm = pgqrs.admin(store);
    const retry = { maxAttempts: 7, baseMs: 250, factor: 3, maxMs: 60_000, jitter: 0 };
    const made = await adm.createQueue("full", { retry, concurrencyLimit: 4, rateLimit: { max: 10, perSeconds: 1.5 } });
    expect(made).toMatchObject({
      queueName: "full",
      retry,
      concurrencyLimit: 4,
      rateLimit: { max: 10, perSeconds: 1.5 },
    });
    expect(await adm.getQueue("full")).toMatchObject({ retry, concurrencyLimit: 4 });
    expect((await adm.listQueues()).find((q) => q.queueName === "full")?.rateLimit).toEqual({
      max: 10,
      perSeconds: 1.5,
    });
    const partial = await adm.createQueue("partial", { retry: { baseMs: 10 } });
    expect(partial.retry).toEqual({ baseMs: 10 });
    const plain = await adm.createQueue("plain");
    expect(plain).toMatchObject({ retry: null, concurrencyLimit: null, rateLimit: null });
  });

  it("updateQueue changes the given fields, keeps the others, clears with null", async () => {
    const { store } = await openTestStore(backend);
    const adm = pgqrs.admin(store);
    await adm.createQueue("upd", { concurrencyLimit: 2 });
    const a = await adm.updateQueue("upd", { rateLimit: { max: 3, perSeconds: 60 } });
    expect(a).toMatchObject({ concurrencyLimit: 2, rateLimit: { max: 3, perSeconds: 60 }, retry: null });
    const b = await adm.updateQueue("upd", { concurrencyLimit: null, retry: { maxAttempts: 2 } });
    expect(b).toMatchObject({
      concurrencyLimit: null,
      rateLimit: { max: 3, perSeconds: 60 },
      retry: { maxAttempts: 2 },
    });
    // A retry policy is replaced as a whole, not merged field by field.
    const replaced = await adm.updateQueue("upd", { retry: { baseMs: 5 } });
    expect(replaced.retry).toEqual({ baseMs: 5 });
    const c = await adm.updateQueue("upd", { rateLimit: null, retry: null });
    expect(c).toMatchObject({ concurrencyLimit: null, rateLimit: null, retry: null });
    expect(await adm.getQueue("upd")).toMatchObject({ concurrencyLimit: null, rateLimit: null, retry: null });
    // A queue made without settings gets them later.
    await adm.createQueue("late");
    expect((await adm.updateQueue("late", { concurrencyLimit: 5 })).concurrencyLimit).toBe(5);
  });

  it("updateQueue of a missing queue is QUEUE_NOT_FOUND", async () => {
    const { store } = await openTestStore(backend);
    expect((await thrown(() => pgqrs.admin(store).updateQueue("nope", { concurrencyLimit: 1 }))).code).toBe(
      "QUEUE_NOT_FOUND",
    );
    expect(await pgqrs.admin(store).listQueues()).toEqual([]);
  });

  it("deleting and purging a queue with settings works; its name can be created again without them", async () => {
    const { store } = await openTestStore(backend);
    const adm = pgqrs.admin(store);
    await adm.createQueue("gone", { concurrencyLimit: 3, rateLimit: { max: 1, perSeconds: 1 } });
    await (await store.producer("gone")).enqueue("x");
    await adm.purgeQueue("gone");
    expect((await adm.getQueue("gone")).concurrencyLimit).toBe(3);
    await adm.deleteQueue("gone");
    const again = await adm.createQueue("gone");
    expect(again).toMatchObject({ concurrencyLimit: null, rateLimit: null, retry: null });
  });

  it("refuses every bad setting (createQueue, store.queue, updateQueue) naming the field, nothing written", async () => {
    const { store } = await openTestStore(backend);
    const adm = pgqrs.admin(store);
    await adm.createQueue("existing", { concurrencyLimit: 1 });
    const before = await queuesState(store);
    for (const [field, opts] of BAD_SETTINGS) {
      for (const call of [
        () => adm.createQueue("fresh", opts),
        () => store.queue("fresh", opts),
        () => adm.createQueue("existing", { ...opts, ifNotExists: true }),
        () => adm.updateQueue("existing", opts),
      ]) {
        const err = await thrown(call);
        expect(err.code, `${field}: ${err.message}`).toBe("VALIDATION_FAILED");
        expect(err.message).toContain(field);
      }
    }
    expect(await queuesState(store)).toBe(before);
  });

  it("refuses an unknown option and a non-boolean ifNotExists", async () => {
    const { store } = await openTestStore(backend);
    const adm = pgqrs.admin(store);
    for (const [field, opts] of [
      ["concurrency", { concurrency: 3 }],
      ["retry.base", { retry: { base: 3 } }],
      ["ifNotExists", { ifNotExists: "yes" }],
    ] as unknown as [string, Options][]) {
      const err = await thrown(() => adm.createQueue("q", opts));
      expect(err.code).toBe("VALIDATION_FAILED");
      expect(err.message).toContain(field);
    }
    expect(await adm.listQueues()).toEqual([]);
  });
});
