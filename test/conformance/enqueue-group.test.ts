/**
 * Group commit (issue 21 item 2) through the producer, on both backends: 16 concurrent callers each awaiting its
 * own `enqueue()` get distinct ids, their own rows with their own payloads and options, their own errors and their
 * own durability (the row is visible from another connection when the promise resolves); claim order and
 * priorities are as without grouping; the options that cannot share an insert (dedup keys, group keys) still
 * give each caller its own answer.
 */
// The package first, as an application would import it (the test support modules reach into the store registry).
import "../../src/index.js";
import { describe, expect, it } from "vitest";
import type * as pgqrs from "../../src/index.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { rawSql } from "../support/raw-sql.js";
import { errorCode, openTestStore } from "../support/stores.js";

const CALLERS = 16;
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe.each(EVERY_BACKEND)("group commit on %s", (backend) => {
  let n = 0;
  const setup = async () => {
    const t = await openTestStore(backend);
    n += 1;
    const queue = `g_${n}`;
    await t.store.queue(queue);
    return { ...t, queue, producer: await t.store.producer(queue) };
  };

  it("16 concurrent callers get distinct ids, in call order, and their own rows, payloads and options", async () => {
    const { store, producer, clock } = await setup();
    const now = clock.now().getTime();
    const at = new Date("2030-01-01T00:00:00.000Z");
    const results = await Promise.all(
      range(CALLERS).map((i) =>
        producer.enqueue(
          { caller: i },
          i % 4 === 3 ? { at, delaySeconds: i } : { priority: i % 3, delaySeconds: i % 2 },
        ),
      ),
    );
    const ids = results.map((m) => m.id);
    expect(new Set(ids).size).toBe(CALLERS);
    for (let i = 1; i < CALLERS; i++) expect(ids[i]).toBeGreaterThan(ids[i - 1] as number);
    for (const [i, m] of results.entries()) {
      const stored = await store.tables().messages().get(m.id);
      const enqueuedAt = i % 4 === 3 ? at.getTime() : now;
      const vt = i % 4 === 3 ? at.getTime() + i * 1000 : now + (i % 2) * 1000;
      for (const row of [m, stored]) {
        expect(row?.payload).toEqual({ caller: i });
        expect(row?.priority).toBe(i % 4 === 3 ? 0 : i % 3);
        expect(row?.enqueuedAt.getTime()).toBe(enqueuedAt);
        expect(row?.vt.getTime()).toBe(vt);
        expect(row?.producerWorkerId).toBe(producer.id);
        expect(row?.readCt).toBe(0);
        expect(row?.headers).toBeNull();
      }
    }
    expect(await store.tables().messages().count()).toBe(CALLERS);
  });

  it("every promise resolves after its commit: the row is visible from another connection at that moment", async () => {
    const { producer, dsn, schema } = await setup();
    const raw = await rawSql(backend, dsn, schema);
    try {
      const seen = await Promise.all(
        range(CALLERS).map((i) =>
          producer.enqueue({ caller: i }).then((m) =>
            // SQLite's raw connection reads synchronously, inside this callback; PostgreSQL's query is sent now.
            raw.run(
              {
                sqlite: "SELECT payload FROM pgqrs_messages WHERE id = ?",
                postgres: "SELECT payload::text FROM {{schema}}.pgqrs_messages WHERE id = $1",
              },
              [m.id],
            ),
          ),
        ),
      );
      expect(seen.map((rows) => JSON.parse(String(rows[0]?.payload)))).toEqual(
        range(CALLERS).map((i) => ({ caller: i })),
      );
    } finally {
      await raw.close();
    }
  });

  it("one bad payload among 16 fails only its caller, before joining the insert", async () => {
    const { store, producer } = await setup();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const outcomes = await Promise.allSettled(
      range(CALLERS).map((i) => producer.enqueue(i === 5 ? cyclic : { caller: i }, i === 9 ? { priority: 0.5 } : {})),
    );
    expect(outcomes.map((o) => o.status)).toEqual(
      range(CALLERS).map((i) => (i === 5 || i === 9 ? "rejected" : "fulfilled")),
    );
    for (const i of [5, 9]) {
      const o = outcomes[i];
      expect(o?.status === "rejected" && (o.reason as { code?: string }).code).toBe("VALIDATION_FAILED");
    }
    const stored = await store.tables().messages().list({ limit: 100 });
    expect(stored.map((m) => (m.payload as { caller: number }).caller).sort((a, b) => a - b)).toEqual(
      range(CALLERS).filter((i) => i !== 5 && i !== 9),
    );
  });

  it("claims in priority order, then oldest first, as without grouping", async () => {
    const { store, producer, queue } = await setup();
    const sent = await Promise.all(range(CALLERS).map((i) => producer.enqueue({ caller: i }, { priority: i % 4 })));
    const consumer = await store.consumer(queue);
    const claimed = await consumer.dequeueMany(CALLERS);
    const expected = [...sent].sort((a, b) => b.priority - a.priority || a.id - b.id).map((m) => m.id);
    expect(claimed.map((m) => m.id)).toEqual(expected);
  });

  it("dedup keys go alone: 16 concurrent enqueues of one key write one row and all get it", async () => {
    const { store, producer } = await setup();
    const results = await Promise.all(range(CALLERS).map((i) => producer.enqueue({ caller: i }, { dedupKey: "k" })));
    const ids = new Set(results.map((m) => m.id));
    expect(ids.size).toBe(1);
    expect(results.filter((m) => m.deduplicated !== true)).toHaveLength(1);
    expect(await store.tables().messages().count()).toBe(1);
    // Mixed with plain callers: every plain one gets its own row, the keyed ones share theirs.
    const mixed = await Promise.all(
      range(CALLERS).map((i) => producer.enqueue({ caller: i }, i % 2 === 0 ? { dedupKey: "m" } : {})),
    );
    expect(new Set(mixed.filter((_, i) => i % 2 === 1).map((m) => m.id)).size).toBe(CALLERS / 2);
    expect(new Set(mixed.filter((_, i) => i % 2 === 0).map((m) => m.id)).size).toBe(1);
    expect(await store.tables().messages().count()).toBe(1 + CALLERS / 2 + 1);
  });

  it("group keys go alone and keep one-at-a-time delivery in id order", async () => {
    const { store, producer, queue } = await setup();
    const sent = await Promise.all(
      range(CALLERS).map((i) => producer.enqueue({ caller: i }, i % 2 === 0 ? { groupKey: "g" } : {})),
    );
    expect(new Set(sent.map((m) => m.id)).size).toBe(CALLERS);
    expect(sent.filter((m) => m.groupKey === "g")).toHaveLength(CALLERS / 2);
    const consumer = await store.consumer(queue);
    const claimed = await consumer.dequeueMany(CALLERS);
    // Every plain message and only the group's head (its smallest id).
    const head = Math.min(...sent.filter((m) => m.groupKey === "g").map((m) => m.id));
    expect(claimed.map((m) => m.id).sort((a, b) => a - b)).toEqual(
      sent
        .filter((m) => m.groupKey === null || m.id === head)
        .map((m) => m.id)
        .sort((a, b) => a - b),
    );
  });

  it("a queue deleted before the insert: every caller gets the error its own insert gets, nothing is written", async () => {
    const { store, producer, queue, dsn, schema } = await setup();
    const raw = await rawSql(backend, dsn, schema);
    try {
      const q = await store.getQueue(queue);
      // What a second process deleting the queue (and its producer) would leave.
      for (const table of ["pgqrs_workers", "pgqrs_queues"]) {
        const column = table === "pgqrs_queues" ? "id" : "queue_id";
        await raw.run(
          {
            sqlite: `DELETE FROM ${table} WHERE ${column} = ?`,
            postgres: `DELETE FROM {{schema}}.${table} WHERE ${column} = $1`,
          },
          [q.id],
        );
      }
      const outcomes = await Promise.allSettled(range(CALLERS).map((i) => producer.enqueue({ caller: i })));
      const alone = await errorCode(() => producer.enqueue({ alone: true }));
      expect(alone).not.toBe("none");
      expect(
        outcomes.map((o) => (o.status === "rejected" ? (o.reason as { code?: string }).code : "resolved")),
      ).toEqual(range(CALLERS).map(() => alone));
      expect(await store.tables().messages().count()).toBe(0);
    } finally {
      await raw.close();
    }
  });

  it("each caller's enqueued event names its own message", async () => {
    const { store, producer } = await setup();
    const events: pgqrs.EnqueuedEvent[] = [];
    const off = store.events.on("enqueued", (e) => void events.push(e));
    try {
      const sent = await Promise.all(range(CALLERS).map((i) => producer.enqueue({ caller: i })));
      expect(events.map((e) => e.messageIds)).toEqual(sent.map((m) => [m.id]));
      expect(events.every((e) => e.producerWorkerId === producer.id)).toBe(true);
    } finally {
      off();
    }
  });
});
