import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { errorCode, openTestStore, thrown } from "../support/stores.js";

describe.each(EVERY_BACKEND)("producing on %s", (backend) => {
  let n = 0;
  const setup = async (opts: Parameters<typeof openTestStore>[1] = {}) => {
    const t = await openTestStore(backend, opts);
    n += 1;
    const queue = `q_${n}`;
    await t.store.queue(queue);
    return { ...t, queue, producer: await t.store.producer(queue) };
  };
  const count = (store: pgqrs.Store) => store.tables().messages().count();

  it("enqueues one message with the producer recorded", async () => {
    const { producer, clock } = await setup();
    const m = await producer.enqueue({ hello: "world", n: 1.5, nested: [true, null] });
    expect(m.id).toBeGreaterThan(0);
    expect(m.payload).toEqual({ hello: "world", n: 1.5, nested: [true, null] });
    expect(m.producerWorkerId).toBe(producer.id);
    expect(m.consumerWorkerId).toBeNull();
    expect(m.readCt).toBe(0);
    expect(m.enqueuedAt.getTime()).toBe(clock.now().getTime());
    expect(m.vt.getTime()).toBe(clock.now().getTime());
    expect(m.archivedAt).toBeNull();
  });

  it("enqueues at an explicit time", async () => {
    const { producer } = await setup();
    const at = new Date("2030-05-05T10:00:00.123Z");
    const m = await producer.enqueueAt("x", at, 2);
    expect(m.enqueuedAt.toISOString()).toBe(at.toISOString());
    expect(m.vt.toISOString()).toBe("2030-05-05T10:00:02.123Z");
  });

  it("inserts a batch in order, all or nothing", async () => {
    const { store, producer } = await setup();
    const rows = await producer.enqueueBatch([{ i: 0 }, { i: 1 }, { i: 2 }]);
    expect(rows.map((r) => r.payload)).toEqual([{ i: 0 }, { i: 1 }, { i: 2 }]);
    expect(rows[0]!.id).toBeLessThan(rows[2]!.id);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const err = await thrown(() => producer.enqueueBatch([{ ok: 1 }, cyclic, { ok: 3 }]));
    expect(err.code).toBe("VALIDATION_FAILED");
    expect(err.message).toContain("Payload at index 1");
    expect(await count(store)).toBe(3);
    expect(await producer.enqueueBatch([])).toEqual([]);
  });

  it("refuses values that are not JSON and inserts nothing", async () => {
    const { store, producer } = await setup();
    for (const bad of [
      () => 1,
      10n,
      undefined,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      [undefined],
      new Map(),
      Symbol("s"),
    ]) {
      expect(await errorCode(() => producer.enqueue(bad))).toBe("VALIDATION_FAILED");
    }
    expect(await errorCode(() => producer.enqueue({ __proto__x: 1, nested: { constructor: 1 } }))).toBe(
      "VALIDATION_FAILED",
    );
    expect(await count(store)).toBe(0);
  });

  it("caps payload size at 1 MiB by default and names the limit", async () => {
    const { store, producer } = await setup();
    const big = "x".repeat(1_048_576);
    const err = await thrown(() => producer.enqueue(big));
    expect(err.code).toBe("PAYLOAD_TOO_LARGE");
    expect(err.message).toContain("1048576");
    expect(await count(store)).toBe(0);
    const ok = await producer.enqueue("y".repeat(100_000));
    expect((ok.payload as string).length).toBe(100_000);
  });

  it("applies configured validation limits", async () => {
    const { producer } = await setup({
      validationConfig: { maxObjectDepth: 2, maxStringLength: 8, requiredKeys: ["user_id"], maxPayloadSizeBytes: 200 },
    });
    await producer.enqueue({ user_id: 1, a: { b: "v" } });
    expect((await thrown(() => producer.enqueue({ user_id: 1, a: { b: { c: 1 } } }))).message).toContain(
      "Object depth",
    );
    expect((await thrown(() => producer.enqueue({ user_id: 1, s: "123456789" }))).message).toContain("String length");
    expect((await thrown(() => producer.enqueue({ other: 1 }))).message).toContain("Required key 'user_id' missing");
    const batchErr = await thrown(() => producer.enqueueBatch([{ user_id: 1 }, { nope: 1 }]));
    expect(batchErr.message).toContain("Payload at index 1");
    expect(batchErr.message).toContain("user_id");
  });

  it("rate-limits per producer when configured, a batch taking N tokens at once", async () => {
    const { producer, clock } = await setup({ validationConfig: { maxEnqueuePerSecond: 10, maxEnqueueBurst: 5 } });
    expect(producer.rateLimitStatus()).toEqual({ availableTokens: 5, maxPerSecond: 10, burstCapacity: 5 });
    await producer.enqueueBatch([1, 2, 3]);
    expect(await errorCode(() => producer.enqueueBatch([1, 2, 3]))).toBe("RATE_LIMITED");
    expect(await errorCode(() => producer.enqueueBatch([1, 2, 3, 4, 5, 6]))).toBe("RATE_LIMITED");
    clock.advance(100);
    await producer.enqueueBatch([1, 2, 3]);
    expect(producer.rateLimitStatus()?.availableTokens).toBe(0);
  });

  it("has rate limiting off by default", async () => {
    const { producer } = await setup();
    expect(producer.rateLimitStatus()).toBeNull();
    expect((await producer.enqueueBatch(Array.from({ length: 200 }, (_, i) => i))).length).toBe(200);
  });

  describe("enqueue builder", () => {
    it("returns ids for one or many messages, through the ephemeral or a named producer", async () => {
      const { store, queue, producer, clock } = await setup();
      const [one] = await pgqrs.enqueue().message({ a: 1 }).to(queue).execute(store);
      const many = await pgqrs.enqueue().messages([1, 2, 3]).worker(producer).delay(5).execute(store);
      expect(many).toHaveLength(3);
      const rows = await store
        .tables()
        .messages()
        .getByIds([one!, ...many]);
      expect(rows.map((r) => r.id)).toEqual([one, ...many]);
      expect(rows[1]?.producerWorkerId).toBe(producer.id);
      expect(rows[1]?.vt.getTime()).toBe(clock.now().getTime() + 5_000);
      const [again] = await pgqrs.enqueue().message({ a: 2 }).to(queue).execute(store);
      const a = await store.tables().messages().get(one!);
      const b = await store.tables().messages().get(again!);
      expect(a?.producerWorkerId).toBe(b?.producerWorkerId);
    });

    it("explains what is missing", async () => {
      const { store, queue } = await setup();
      await expect(pgqrs.enqueue().to(queue).execute(store)).rejects.toThrow(/No messages to enqueue/);
      await expect(pgqrs.enqueue().messages([]).to(queue).execute(store)).rejects.toThrow(/No messages to enqueue/);
      await expect(pgqrs.enqueue().message(1).execute(store)).rejects.toThrow(/Queue name is required/);
      expect(await errorCode(() => pgqrs.enqueue().message(1).to("missing_queue").execute(store))).toBe(
        "QUEUE_NOT_FOUND",
      );
    });
  });
});
