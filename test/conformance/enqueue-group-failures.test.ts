/**
 * Group commit (issue 21 item 2) at the level of its inserts, on both backends: which enqueues share one statement
 * (recorded around the real backend's `enqueue`; on PostgreSQL also seen as the rows' transaction ids), what each
 * caller gets when the database refuses a shared insert (a trigger refusing one row: its neighbours are retried one
 * by one and succeed; a connection killed mid-insert: every member gets the connection error and nothing is
 * written), and the options that go their own way beside a group (an application's `tx`, a handoff to an idle loop).
 */
import pg from "pg";
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { EnqueueGroup } from "../../src/queue/enqueue-group.js";
import type { EnqueueParams } from "../../src/store/message-params.js";
import { dialectOf, EVERY_BACKEND } from "../support/backends.js";
import { rawSql } from "../support/raw-sql.js";
import { errorCode, openTestStore } from "../support/stores.js";
import { openVirtualStore, untilTimerAt } from "../support/virtual-time.js";

const CALLERS = 16;
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const outcome = (o: PromiseSettledResult<unknown>) =>
  o.status === "fulfilled" ? "ok" : ((o.reason as { code?: string }).code ?? String(o.reason));

/** A trigger that refuses any row whose payload has a `poison` key, as a constraint the library cannot check. */
const POISON = {
  postgres: [
    `CREATE FUNCTION {{schema}}.refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN IF NEW.payload ? 'poison' THEN RAISE EXCEPTION 'poisoned payload'; END IF; RETURN NEW; END $$`,
    `CREATE TRIGGER refuse_poison BEFORE INSERT ON {{schema}}.pgqrs_messages
       FOR EACH ROW EXECUTE FUNCTION {{schema}}.refuse_poison()`,
  ],
  sqlite: [
    `CREATE TRIGGER refuse_poison BEFORE INSERT ON pgqrs_messages
       WHEN json_extract(NEW.payload, '$.poison') IS NOT NULL BEGIN SELECT RAISE(ABORT, 'poisoned payload'); END`,
  ],
};

describe.each(EVERY_BACKEND)("group commit inserts on %s", (backend) => {
  let n = 0;
  /** A store, a queue, and a group writing through the store's real backend, recording each statement's rows. */
  const setup = async () => {
    const t = await openTestStore(backend);
    n += 1;
    const queue = `gf_${n}`;
    const q = await t.store.queue(queue);
    const producer = await t.store.producer(queue);
    const backendOf = t.store.context.backend;
    const writes: string[] = [];
    const group = new EnqueueGroup({
      queueId: q.id,
      producerWorkerId: producer.id,
      write: (p: EnqueueParams) => {
        writes.push(p.rows === undefined ? `alone:${p.payloads.length}` : `shared:${p.rows.length}`);
        return backendOf.enqueue(p);
      },
    });
    const add = (payload: unknown, priority?: number) => {
      const now = t.clock.now();
      return group.add(
        JSON.stringify(payload),
        priority === undefined ? { enqueuedAt: now, visibleAt: now } : { enqueuedAt: now, visibleAt: now, priority },
      );
    };
    return { ...t, queue, producer, writes, add };
  };

  it("callers that arrive while an insert is in flight share the next one; a lone caller goes at once", async () => {
    const { store, writes, add } = await setup();
    const first = await Promise.all(range(CALLERS).map((i) => add({ caller: i }, i % 3)));
    expect(writes).toEqual(["alone:1", `shared:${CALLERS - 1}`]);
    expect(first.map((m) => m.payload)).toEqual(range(CALLERS).map((i) => ({ caller: i })));
    expect(first.map((m) => m.priority)).toEqual(range(CALLERS).map((i) => i % 3));
    writes.length = 0;
    for (const i of range(3)) await add({ sequential: i });
    expect(writes).toEqual(["alone:1", "alone:1", "alone:1"]);
    // Callers that loop, each awaiting its own enqueue: after the first round they all ride together.
    writes.length = 0;
    await Promise.all(
      range(CALLERS).map(async (c) => {
        for (let i = 0; i < 10; i++) await add({ c, i });
      }),
    );
    expect(writes.reduce((sum, w) => sum + Number(w.split(":")[1]), 0)).toBe(CALLERS * 10);
    expect(writes.length).toBeLessThanOrEqual(12);
    expect(await store.tables().messages().count()).toBe(CALLERS + 3 + CALLERS * 10);
  });

  it("a row the database refuses fails only its caller: the others are retried one by one", async () => {
    const { store, dsn, schema, writes, add } = await setup();
    const raw = await rawSql(backend, dsn, schema);
    try {
      for (const statement of POISON[dialectOf(backend)]) await raw.run({ sqlite: statement, postgres: statement });
      const outcomes = await Promise.allSettled(
        range(CALLERS).map((i) => add(i === 5 ? { poison: i } : { caller: i })),
      );
      const alone = await errorCode(() => add({ poison: "alone" }));
      expect(alone).not.toBe("none");
      expect(outcomes.map(outcome)).toEqual(range(CALLERS).map((i) => (i === 5 ? alone : "ok")));
      expect(writes.slice(0, 2)).toEqual(["alone:1", `shared:${CALLERS - 1}`]);
      expect(writes.slice(2, 2 + CALLERS - 1)).toEqual(range(CALLERS - 1).map(() => "alone:1"));
      const stored = await store.tables().messages().list({ limit: 100 });
      expect(stored.map((m) => (m.payload as { caller: number }).caller).sort((a, b) => a - b)).toEqual(
        range(CALLERS).filter((i) => i !== 5),
      );
      for (const [i, o] of outcomes.entries()) {
        if (o.status === "fulfilled") expect(o.value.payload).toEqual({ caller: i });
      }
    } finally {
      await raw.close();
    }
  });

  it("an idle handler loop in the process takes one message from its insert; the others ride; each is handled once", async () => {
    const { store, clock } = await openVirtualStore(backend, { pollIntervalMs: 60_000 });
    await store.queue("handoff");
    const producer = await store.producer("handoff");
    const consumer = await store.consumer("handoff");
    const seen: unknown[] = [];
    const loop = pgqrs
      .dequeue()
      .worker(consumer)
      .concurrency(4)
      .handle(async (m) => {
        seen.push(m.payload);
      })
      .poll(store);
    await expect.poll(() => consumer.status(), { timeout: 15_000 }).toBe("polling");
    await untilTimerAt(clock, 60_000);
    const sent = await Promise.all(range(CALLERS).map((i) => producer.enqueue({ caller: i })));
    expect(new Set(sent.map((m) => m.id)).size).toBe(CALLERS);
    expect(sent.every((m) => m.consumerWorkerId === null && m.readCt === 0)).toBe(true);
    await expect.poll(() => seen.length, { timeout: 15_000 }).toBe(CALLERS);
    expect(seen.map((p) => (p as { caller: number }).caller).sort((a, b) => a - b)).toEqual(range(CALLERS));
    await consumer.interrupt();
    await loop;
  });
});

describe("group commit inserts on postgres only", () => {
  const setup = async () => {
    const t = await openTestStore("postgres");
    const q = await t.store.queue("pg_only");
    return { ...t, q, producer: await t.store.producer("pg_only") };
  };

  it("16 concurrent producer.enqueue calls commit in two transactions (the first alone, the rest together)", async () => {
    const { producer, dsn, schema, q } = await setup();
    await Promise.all(range(CALLERS).map((i) => producer.enqueue({ caller: i })));
    const raw = await rawSql("postgres", dsn, schema);
    try {
      const rows = await raw.run(
        {
          sqlite: "",
          postgres: `SELECT xmin::text AS tx, count(*)::int AS n FROM {{schema}}.pgqrs_messages WHERE queue_id = $1
                    GROUP BY 1 ORDER BY min(id)`,
        },
        [q.id],
      );
      expect(rows.map((r) => r.n)).toEqual([1, CALLERS - 1]);
    } finally {
      await raw.close();
    }
  });

  it("a connection lost in the shared insert fails every member with that error, and nothing of it is written", async () => {
    const { store, producer, dsn, schema } = await setup();
    const raw = await rawSql("postgres", dsn, schema);
    try {
      const kill = [
        `CREATE FUNCTION {{schema}}.kill_session() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN IF NEW.payload ? 'kill' THEN PERFORM pg_terminate_backend(pg_backend_pid()); PERFORM pg_sleep(5);
           END IF; RETURN NEW; END $$`,
        `CREATE TRIGGER kill_session BEFORE INSERT ON {{schema}}.pgqrs_messages
           FOR EACH ROW EXECUTE FUNCTION {{schema}}.kill_session()`,
      ];
      for (const statement of kill) await raw.run({ sqlite: "", postgres: statement });
      const outcomes = await Promise.allSettled(
        range(CALLERS).map((i) => producer.enqueue(i === 7 ? { kill: i } : { caller: i })),
      );
      expect(outcomes.map(outcome)).toEqual(range(CALLERS).map((i) => (i === 0 ? "ok" : "CONNECTION_FAILED")));
      const stored = await store.tables().messages().list({ limit: 100 });
      expect(stored.map((m) => m.payload)).toEqual([{ caller: 0 }]);
      // The store goes on with a fresh connection.
      expect((await producer.enqueue({ after: true })).payload).toEqual({ after: true });
    } finally {
      await raw.close();
    }
  });

  it("an enqueue in the application's transaction goes alone: visible at its commit, gone with its rollback", async () => {
    const { store, producer, dsn } = await setup();
    const app = new pg.Client({ connectionString: dsn });
    await app.connect();
    try {
      for (const end of ["ROLLBACK", "COMMIT"]) {
        await app.query("BEGIN");
        const [own, ...others] = await Promise.all(
          range(CALLERS).map((i) => producer.enqueue({ caller: i, end }, i === 0 ? { tx: app } : {})),
        );
        for (const m of others) expect((await store.tables().messages().get(m.id))?.payload).toMatchObject({ end });
        expect(
          await store
            .tables()
            .messages()
            .get(own?.id as number),
        ).toBeNull();
        await app.query(end);
        const after = await store
          .tables()
          .messages()
          .get(own?.id as number);
        expect(after?.payload ?? null).toEqual(end === "COMMIT" ? { caller: 0, end } : null);
      }
    } finally {
      await app.end();
    }
  });
});
