/**
 * SQLite's enqueue and claim build their messages from the values they wrote instead of reading whole rows back
 * (src/store/sqlite/sqlite-message-tuples.ts). Whatever they return must be exactly what a re-read of the rows
 * gives, including rows written by other pgqrs implementations in SQLite's own timestamp forms.
 */
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSqliteBackend } from "../../src/store/sqlite/sqlite-store.js";
import type { StoreBackend } from "../../src/store/store.js";
import type { QueueMessage, QueueRecord, WorkerRecord } from "../../src/types.js";
import { testClock } from "../support/backend-factories.js";
import { freshSqlitePath, uniqueName } from "../support/backends.js";

describe("SQLite hot paths return what a re-read returns", () => {
  const path = freshSqlitePath();
  let b: StoreBackend;
  beforeAll(async () => {
    b = createSqliteBackend({ path, useWal: true, busyTimeoutMs: 5_000 });
    await b.install();
  });
  afterAll(async () => {
    await b.close();
  });

  async function setUp(at: Date): Promise<{ q: QueueRecord; producer: WorkerRecord; consumer: WorkerRecord }> {
    const q = await b.createQueue({ name: uniqueName("q"), now: at });
    const producer = await b.registerWorker({ name: uniqueName("p"), queueId: q.id, now: at });
    const consumer = await b.registerWorker({ name: uniqueName("c"), queueId: q.id, now: at });
    return { q, producer, consumer };
  }

  /** The stored rows of `messages`, in the order of `messages` (getMessages orders by id). */
  async function reread(messages: readonly QueueMessage[]): Promise<(QueueMessage | undefined)[]> {
    const byId = new Map((await b.getMessages(messages.map((m) => m.id))).map((m) => [m.id, m]));
    return messages.map((m) => byId.get(m.id));
  }

  it("enqueue: one message, a batch in payload order, and a batch larger than one INSERT", async () => {
    const clock = testClock();
    const { q, producer } = await setUp(clock());
    const one = await b.enqueue({
      queueId: q.id,
      payloads: [JSON.stringify({ a: [1, "two", null] })],
      producerWorkerId: producer.id,
      enqueuedAt: clock(1),
      visibleAt: clock(5_001),
    });
    expect(one).toEqual([await b.getMessage(one[0]!.id)]);
    expect(one[0]).toMatchObject({ payload: { a: [1, "two", null] }, readCt: 0, producerWorkerId: producer.id });

    for (const size of [3, 6_601]) {
      const payloads = Array.from({ length: size }, (_, i) => JSON.stringify({ i }));
      const batch = await b.enqueue({
        queueId: q.id,
        payloads,
        producerWorkerId: null,
        enqueuedAt: clock(2),
        visibleAt: clock(2),
      });
      expect(batch.map((m) => (m.payload as { i: number }).i)).toEqual(payloads.map((_, i) => i));
      expect(batch).toEqual(await b.getMessages(batch.map((m) => m.id)));
    }
  });

  it("claim: first lease, a redelivery that keeps dequeuedAt, and the order oldest first", async () => {
    const clock = testClock();
    const { q, producer, consumer } = await setUp(clock());
    await b.enqueue({
      queueId: q.id,
      payloads: ['"late"'],
      producerWorkerId: producer.id,
      enqueuedAt: clock(20),
      visibleAt: clock(20),
    });
    await b.enqueue({
      queueId: q.id,
      payloads: ['"early-1"', '"early-2"'],
      producerWorkerId: null,
      enqueuedAt: clock(10),
      visibleAt: clock(10),
    });
    const claim = (ms: number) =>
      b.dequeue({ queueId: q.id, workerId: consumer.id, limit: 10, leaseMs: 1_000, now: clock(ms), maxReadCt: 5 });

    const first = await claim(100);
    expect(first.map((m) => m.payload)).toEqual(["early-1", "early-2", "late"]);
    expect(first).toEqual(await reread(first));
    expect(first[0]).toMatchObject({ readCt: 1, dequeuedAt: clock(100), vt: clock(1_100) });

    const again = await claim(2_000);
    expect(again).toEqual(await reread(again));
    expect(again[0]).toMatchObject({ readCt: 2, dequeuedAt: clock(100), vt: clock(3_000) });
  });

  it("claim: a row in SQLite's own timestamp forms, as Rust and Python pgqrs write them", async () => {
    const clock = testClock();
    const { q, consumer } = await setUp(clock());
    const raw = new Database(path);
    try {
      raw
        .prepare(
          `INSERT INTO pgqrs_messages (queue_id, payload, vt, enqueued_at, read_ct, dequeued_at)
           VALUES (?, '{"from":"rust"}', '2000-01-01 00:00:00', ?, 2, '2000-01-02 03:04:05.123456')`,
        )
        .run(q.id, "2000-01-01 00:00:00");
    } finally {
      raw.close();
    }
    const [claimed] = await b.dequeue({
      queueId: q.id,
      workerId: consumer.id,
      limit: 1,
      leaseMs: 30_000,
      now: clock(),
      maxReadCt: 5,
    });
    expect(claimed).toEqual(await b.getMessage(claimed!.id));
    expect(claimed).toMatchObject({
      readCt: 3,
      enqueuedAt: new Date("2000-01-01T00:00:00.000Z"),
      dequeuedAt: new Date("2000-01-02T03:04:05.123Z"),
    });
  });
});
