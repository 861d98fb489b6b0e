/**
 * Queue controls, dedup keys (issue 17 item 5): at most one active message per queue and key; a duplicate returns
 * the existing message marked `deduplicated: true` and writes nothing; concurrent enqueues of one key make one row;
 * `dedupWindowSeconds` also matches messages archived within the window.
 */
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { openTestStore } from "../support/stores.js";

/** Every message row of the store, archived ones included, as comparable text. */
async function allRows(store: pgqrs.Store): Promise<string> {
  const rows = await store.tables().messages().list({ state: "all", limit: 10_000 });
  return JSON.stringify(
    rows.map((m) => [m.id, m.payload, m.vt, m.readCt, m.archivedAt, m.dedupKey, m.priority, m.producerWorkerId]).sort(),
  );
}

describe.each(EVERY_BACKEND)("queue dedup keys on %s", (backend) => {
  let n = 0;
  const setup = async (opts: Parameters<typeof openTestStore>[1] = {}) => {
    const t = await openTestStore(backend, opts);
    n += 1;
    const queue = `dedup_${n}`;
    await pgqrs.admin(t.store).createQueue(queue);
    return { ...t, queue, producer: await t.store.producer(queue), consumer: await t.store.consumer(queue) };
  };

  it("a duplicate returns the existing message marked deduplicated and writes nothing", async () => {
    const { store, producer, clock } = await setup();
    const first = await producer.enqueue({ v: 1 }, { dedupKey: "order-42" });
    expect(first.dedupKey).toBe("order-42");
    expect(first.deduplicated).toBeUndefined();
    const before = await allRows(store);
    clock.advance(1_000);
    const again = await producer.enqueue({ v: 2 }, { dedupKey: "order-42", delaySeconds: 30, priority: 4 });
    expect(again.deduplicated).toBe(true);
    expect(again.id).toBe(first.id);
    expect(again.payload).toEqual({ v: 1 });
    expect(again.priority).toBe(0);
    expect(await allRows(store)).toBe(before);
    // Another key, and no key, are independent.
    const other = await producer.enqueue({ v: 3 }, { dedupKey: "order-43" });
    const plain = await producer.enqueue({ v: 1 });
    expect(other.id).not.toBe(first.id);
    expect(other.deduplicated).toBeUndefined();
    expect(plain.dedupKey).toBeNull();
    expect(await store.tables().messages().count()).toBe(3);
  });

  it("the builder's dedupKey deduplicates too", async () => {
    const { store, queue } = await setup();
    const [a] = await pgqrs.enqueue().message("x").to(queue).dedupKey("k").execute(store);
    const [b] = await pgqrs.enqueue().message("y").to(queue).dedupKey("k").execute(store);
    expect(b).toBe(a);
    expect(await store.tables().messages().count()).toBe(1);
  });

  it("a key is per queue", async () => {
    const { store, queue, producer } = await setup();
    await pgqrs.admin(store).createQueue(`${queue}_other`);
    const otherProducer = await store.producer(`${queue}_other`);
    const a = await producer.enqueue("a", { dedupKey: "same" });
    const b = await otherProducer.enqueue("b", { dedupKey: "same" });
    expect(b.deduplicated).toBeUndefined();
    expect(b.id).not.toBe(a.id);
  });

  it("16 concurrent enqueues of one key make one row", async () => {
    const { store, queue } = await setup({ maxConnections: 16 });
    const producers = await Promise.all(Array.from({ length: 16 }, () => store.producer(queue)));
    const results = await Promise.all(producers.map((p, i) => p.enqueue({ i }, { dedupKey: "race" })));
    const ids = new Set(results.map((m) => m.id));
    expect(ids.size).toBe(1);
    expect(results.filter((m) => m.deduplicated === true)).toHaveLength(15);
    expect(results.filter((m) => m.deduplicated === undefined)).toHaveLength(1);
    expect(await store.tables().messages().count()).toBe(1);
  });

  it("16 enqueues of one key from two stores (two connections) make one row", async () => {
    const { store, queue, dsn, schema, clock } = await setup();
    const second = await pgqrs.connect(dsn, { schema, clock });
    try {
      const mine = await Promise.all(Array.from({ length: 8 }, () => store.producer(queue)));
      const theirs = await Promise.all(Array.from({ length: 8 }, () => second.producer(queue)));
      const results = await Promise.all(
        [...mine, ...theirs].map((p, i) => p.enqueue({ i }, { dedupKey: "two-stores" })),
      );
      expect(new Set(results.map((m) => m.id)).size).toBe(1);
      expect(results.filter((m) => m.deduplicated === true)).toHaveLength(15);
      expect(await store.tables().messages().count()).toBe(1);
    } finally {
      await second.close();
    }
  });

  it("once the message is archived (or dead-lettered) the key is free again", async () => {
    const { store, producer, consumer } = await setup();
    const first = await producer.enqueue("one", { dedupKey: "k" });
    const [held] = await consumer.dequeue({ vtSeconds: 600 });
    expect(held?.id).toBe(first.id);
    // Leased is still active: a duplicate.
    expect((await producer.enqueue("dup", { dedupKey: "k" })).deduplicated).toBe(true);
    expect(await consumer.archive(first.id)).toBe(true);
    const second = await producer.enqueue("two", { dedupKey: "k" });
    expect(second.deduplicated).toBeUndefined();
    expect(second.id).not.toBe(first.id);
    expect(await store.tables().messages().count({ state: "all" })).toBe(2);
  });

  it("dedupWindowSeconds matches a message archived within the window, not one archived before it", async () => {
    const { store, producer, consumer, clock } = await setup();
    const first = await producer.enqueue("one", { dedupKey: "w" });
    await consumer.dequeue({ vtSeconds: 600 });
    expect(await consumer.archive(first.id)).toBe(true);
    clock.advance(30_000);
    const before = await allRows(store);
    const inWindow = await producer.enqueue("two", { dedupKey: "w", dedupWindowSeconds: 60 });
    expect(inWindow.deduplicated).toBe(true);
    expect(inWindow.id).toBe(first.id);
    expect(inWindow.archivedAt).not.toBeNull();
    expect(await allRows(store)).toBe(before);
    // Without a window an archived message never matches.
    clock.advance(31_000);
    const outside = await producer.enqueue("three", { dedupKey: "w", dedupWindowSeconds: 60 });
    expect(outside.deduplicated).toBeUndefined();
    expect(outside.id).not.toBe(first.id);
    expect(await store.tables().messages().count({ state: "all" })).toBe(2);
    // The active one now wins over the window.
    const dup = await producer.enqueue("four", { dedupKey: "w", dedupWindowSeconds: 3_600 });
    expect(dup.id).toBe(outside.id);
    expect(dup.deduplicated).toBe(true);
  });

  it("replaying a dead letter whose key an active message took is refused (CONFLICT), nothing written", async () => {
    const { store, queue, producer } = await setup();
    await pgqrs.admin(store).updateQueue(queue, { retry: { maxAttempts: 1 } });
    const dead = await producer.enqueue("one", { dedupKey: "k" });
    await pgqrs
      .dequeue()
      .from(queue)
      .handle(async () => {
        throw new Error("fails once, dead at once");
      })
      .execute(store)
      .catch(() => undefined);
    expect((await store.tables().messages().get(dead.id))?.deadLetteredAt).not.toBeNull();
    const active = await producer.enqueue("two", { dedupKey: "k" });
    expect(active.deduplicated).toBeUndefined();
    const before = await allRows(store);
    const err = await pgqrs
      .admin(store)
      .replayDlq(queue, dead.id)
      .then(
        () => null,
        (e: pgqrs.PgqrsError) => e,
      );
    expect(err, "the replay would make two active messages with one key").not.toBeNull();
    expect(err?.code).toBe("CONFLICT");
    expect(err?.message).toContain("dedup");
    expect(await allRows(store)).toBe(before);
  });

  it("refuses dedupKey in a batch, empty or too long keys, and bad windows, writing nothing", async () => {
    const { store, producer, queue } = await setup();
    const cases: [string, () => Promise<unknown>][] = [
      ["dedupKey", () => producer.enqueueBatch(["a", "b"], { dedupKey: "k" } as unknown as pgqrs.EnqueueOptions)],
      ["dedupWindowSeconds", () => producer.enqueue("a", { dedupWindowSeconds: 5 })],
      ["dedupKey", () => producer.enqueue("a", { dedupKey: "" })],
      ["dedupKey", () => producer.enqueue("a", { dedupKey: "x".repeat(256) })],
      ["dedupKey", () => producer.enqueue("a", { dedupKey: "a\u0000b" })],
      ["dedupKey", () => producer.enqueue("a", { dedupKey: 7 } as unknown as pgqrs.EnqueueOptions)],
      ["dedupWindowSeconds", () => producer.enqueue("a", { dedupKey: "k", dedupWindowSeconds: -1 })],
      ["dedupWindowSeconds", () => producer.enqueue("a", { dedupKey: "k", dedupWindowSeconds: Number.NaN })],
      ["dedupKey", () => pgqrs.enqueue().messages(["a", "b"]).to(queue).dedupKey("k").execute(store)],
    ];
    for (const [i, [field, call]] of cases.entries()) {
      const err = await call().then(
        () => ({ code: `case ${i} did not throw`, message: "" }),
        (e: Error & { code?: string }) => e,
      );
      expect(err.code, `${field}: ${err.message}`).toBe("VALIDATION_FAILED");
      expect(err.message).toContain(field);
    }
    expect(await store.tables().messages().count()).toBe(0);
    const longest = await producer.enqueue("ok", { dedupKey: "x".repeat(255) });
    expect(longest.dedupKey).toHaveLength(255);
  });
});
