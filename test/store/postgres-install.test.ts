/**
 * Behaviour only the Postgres backend has: schema management, concurrent installs, schema isolation, borrowed
 * pools, SKIP LOCKED claims under real concurrency and SQLSTATE translation. Runs against a real server.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isPgqrsError, PgqrsError } from "../../src/errors.js";
import { enqueueChannel } from "../../src/store/postgres/postgres-listener.js";
import { loadMigrations } from "../../src/store/postgres/postgres-migrations.js";
import { createPostgresBackend, type PostgresBackendOptions } from "../../src/store/postgres/postgres-store.js";
import type { StoreBackend } from "../../src/store/store.js";
import { dropSchema, postgresDsn, uniqueName } from "../support/backends.js";

const schemas: string[] = [];
const backends: StoreBackend[] = [];

function freshSchema(): string {
  const schema = uniqueName("pgspec");
  schemas.push(schema);
  return schema;
}

async function backend(schema: string, extra: Partial<PostgresBackendOptions> = {}): Promise<StoreBackend> {
  const b = await createPostgresBackend({
    connectionString: postgresDsn(),
    schema,
    maxConnections: 10,
    connectionTimeoutMs: 5_000,
    ...extra,
  });
  backends.push(b);
  return b;
}

async function sql<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: postgresDsn() });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** A new queue `name` holding one message, `{"n":1}`, visible now. */
async function queueWithOneMessage(b: StoreBackend, name: string) {
  const now = new Date();
  const q = await b.createQueue({ name, now });
  const [m] = await b.enqueue({
    queueId: q.id,
    payloads: ['{"n":1}'],
    producerWorkerId: null,
    enqueuedAt: now,
    visibleAt: now,
  });
  return { q, m };
}

async function schemaExists(schema: string): Promise<boolean> {
  const rows = await sql("SELECT 1 FROM pg_namespace WHERE nspname = $1", [schema]);
  return rows.length > 0;
}

afterAll(async () => {
  await Promise.all(backends.map((b) => b.close()));
  for (const schema of schemas) await dropSchema(schema);
});

describe("install", () => {
  it("creates the schema when it is missing and records every migration", async () => {
    const schema = freshSchema();
    const b = await backend(schema);
    expect(await schemaExists(schema)).toBe(false);
    await b.install();
    expect(await schemaExists(schema)).toBe(true);
    await b.verify();
    const versions = await sql<{ version: number }>(`SELECT version FROM "${schema}".pgqrs_migrations ORDER BY 1`);
    const shipped = (await loadMigrations()).map((m) => m.version);
    expect(shipped.length).toBeGreaterThanOrEqual(5);
    expect(versions.map((r) => r.version)).toEqual(shipped);
  });

  it("is idempotent: a second install changes no migration row, relation or data", async () => {
    const schema = freshSchema();
    const b = await backend(schema);
    await b.install();
    const { q, m } = await queueWithOneMessage(b, "kept");
    // The applied migrations with their times, and every relation (table, index, sequence) by oid: a migration run
    // again would add a row or fail on the key; a table dropped and created again would get a new oid.
    const migrations = () =>
      sql<{ version: number; name: string; applied_at: string }>(
        `SELECT version, name, applied_at::text FROM "${schema}".pgqrs_migrations ORDER BY version`,
      );
    const relations = () =>
      sql<{ relname: string; relkind: string; oid: string }>(
        `SELECT c.relname, c.relkind::text, c.oid::int8::text AS oid FROM pg_class c
           JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 ORDER BY c.relname`,
        [schema],
      );
    const migrationsBefore = await migrations();
    const relationsBefore = await relations();
    expect(migrationsBefore.map((r) => r.version)).toEqual((await loadMigrations()).map((x) => x.version));
    expect(relationsBefore.map((r) => r.relname)).toEqual(expect.arrayContaining(["pgqrs_messages", "pgqrs_queues"]));

    await b.install();

    expect(await migrations()).toEqual(migrationsBefore);
    expect(await relations()).toEqual(relationsBefore);
    await b.verify();
    expect((await b.getQueueById(q.id))?.queueName).toBe("kept");
    expect((await b.getMessage(m!.id))?.payload).toEqual({ n: 1 });
  });

  it("is safe when four backends with their own pools install the same fresh schema at once", async () => {
    const schema = freshSchema();
    const installers = await Promise.all([1, 2, 3, 4].map(() => backend(schema)));
    await Promise.all(installers.map((b) => b.install()));
    const versions = await sql<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".pgqrs_migrations`);
    expect(Number(versions[0]?.n)).toBe((await loadMigrations()).length);
    await installers[0]!.verify();
  });

  it("keeps pgqrs 0.15's table, enum and index names", async () => {
    const schema = freshSchema();
    const b = await backend(schema);
    await b.install();
    const indexes = await sql<{ indexname: string }>("SELECT indexname FROM pg_indexes WHERE schemaname = $1", [
      schema,
    ]);
    expect(indexes.map((r) => r.indexname)).toEqual(
      expect.arrayContaining([
        "idx_pgqrs_messages_hot_path",
        "idx_pgqrs_messages_consumer_worker_id_active",
        "idx_pgqrs_messages_archived_at",
        "idx_pgqrs_messages_producer_worker_id",
        "idx_pgqrs_workers_queue_status",
        "idx_pgqrs_workers_heartbeat",
        "idx_pgqrs_workflow_steps_retry_at",
      ]),
    );
    const labels = await sql<{ enumlabel: string }>(
      `SELECT e.enumlabel FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid
         JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname = $1 AND t.typname = 'worker_status' ORDER BY e.enumsortorder`,
      [schema],
    );
    expect(labels.map((r) => r.enumlabel)).toEqual(["ready", "polling", "suspended", "interrupted", "stopped"]);
  });
});

describe("enqueue notifications", () => {
  it("each enqueue statement notifies the schema's channel once, with the queue id, at commit", async () => {
    const schema = freshSchema();
    const b = await backend(schema);
    await b.install();
    const now = new Date();
    const queueId = (await b.createQueue({ name: "notified", now })).id;
    const listener = new pg.Client({ connectionString: postgresDsn() });
    await listener.connect();
    const payloads: string[] = [];
    listener.on("notification", (n) => payloads.push(n.payload ?? ""));
    try {
      await listener.query(`LISTEN "${enqueueChannel(schema)}"`);
      const base = { queueId, producerWorkerId: null, enqueuedAt: now, visibleAt: now };
      const one = await b.enqueue({ ...base, payloads: ['{"n":1}'] });
      const many = await b.enqueue({ ...base, payloads: ['{"n":2}', '{"n":3}', '{"n":4}'] });
      expect(one.map((m) => m.payload)).toEqual([{ n: 1 }]);
      expect(many.map((m) => m.payload)).toEqual([{ n: 2 }, { n: 3 }, { n: 4 }]);
      // The returned records are built from what was inserted; they must match what the table holds.
      for (const m of [...one, ...many]) expect(await b.getMessage(m.id)).toEqual(m);
      await expect.poll(() => payloads.length, { timeout: 5_000 }).toBe(2);
      await new Promise((r) => setTimeout(r, 100));
      // The queue id, then the enqueuing store's origin tag (a store skips its own: they woke it in-process).
      expect(payloads).toHaveLength(2);
      for (const p of payloads) expect(p).toMatch(new RegExp(`^${queueId}@[0-9a-f]{12}$`));
      expect(payloads[0]).toBe(payloads[1]);
    } finally {
      await listener.end();
    }
  });
});

describe("verify", () => {
  it("fails with SCHEMA_VALIDATION on an uninstalled schema and writes nothing", async () => {
    const schema = freshSchema();
    const b = await backend(schema);
    const err = await b.verify().catch((e: unknown) => e);
    expect(isPgqrsError(err, "SCHEMA_VALIDATION")).toBe(true);
    expect((err as PgqrsError).message).toContain("pgqrs_queues");
    expect(await schemaExists(schema)).toBe(false);
  });

  it("does not accept tables of another schema", async () => {
    const installed = await backend(freshSchema());
    await installed.install();
    const other = await backend(freshSchema());
    await expect(other.verify()).rejects.toMatchObject({ code: "SCHEMA_VALIDATION" });
  });
});

describe("schemas", () => {
  it("two schemas in one database do not see each other's rows", async () => {
    const a = await backend(freshSchema());
    const b = await backend(freshSchema());
    await Promise.all([a.install(), b.install()]);
    const now = new Date();
    const qa = await a.createQueue({ name: "shared-name", now });
    const qb = await b.createQueue({ name: "shared-name", now });
    await a.enqueue({
      queueId: qa.id,
      payloads: ['{"from":"a"}'],
      producerWorkerId: null,
      enqueuedAt: now,
      visibleAt: now,
    });
    expect(await a.countMessages({ queueId: qa.id })).toBe(1);
    expect(await b.countMessages({ queueId: qb.id })).toBe(0);
    expect((await b.listQueues()).map((q) => q.queueName)).toEqual(["shared-name"]);
  });

  it("works with a user-supplied pool and leaves it open on close", async () => {
    const pool = new pg.Pool({ connectionString: postgresDsn(), max: 3 });
    try {
      const schema = freshSchema();
      const b = await createPostgresBackend({ pool, schema, maxConnections: 1, connectionTimeoutMs: 5_000 });
      await b.install();
      const { q, m } = await queueWithOneMessage(b, "pooled");
      expect(m?.payload).toEqual({ n: 1 });
      expect(typeof m?.id).toBe("number");
      await b.close();
      await expect(b.getQueueById(q.id)).rejects.toMatchObject({ code: "STORE_CLOSED" });
      const rows = await pool.query(`SELECT count(*)::int AS n FROM "${schema}".pgqrs_messages`);
      expect(rows.rows[0]).toEqual({ n: 1 });
    } finally {
      await pool.end();
    }
  });
});

describe("concurrent drain", () => {
  let store: StoreBackend;
  let queueId: number;
  const TOTAL = 2_000;
  const CONSUMERS = 8;

  beforeAll(async () => {
    store = await backend(freshSchema(), { maxConnections: CONSUMERS + 2 });
    await store.install();
    const now = new Date();
    queueId = (await store.createQueue({ name: "drain", now })).id;
    const payloads = Array.from({ length: TOTAL }, (_, i) => JSON.stringify({ i }));
    for (let i = 0; i < TOTAL; i += 500) {
      await store.enqueue({
        queueId,
        payloads: payloads.slice(i, i + 500),
        producerWorkerId: null,
        enqueuedAt: now,
        visibleAt: now,
      });
    }
  });

  it("archives every message exactly once with 8 parallel dequeuers", async () => {
    const seen = new Map<number, number>();
    const leasedNow = new Set<number>();
    const now = new Date();
    const consumer = async (n: number): Promise<number> => {
      const worker = await store.registerWorker({ name: `drainer-${n}`, queueId, now });
      let archived = 0;
      for (;;) {
        const batch = await store.dequeue({
          queueId,
          workerId: worker.id,
          limit: 10,
          leaseMs: 60_000,
          now,
          maxReadCt: 5,
        });
        if (batch.length === 0) return archived;
        for (const m of batch) {
          // While this lease holds, nobody else may have the message.
          expect(leasedNow.has(m.id)).toBe(false);
          leasedNow.add(m.id);
          seen.set(m.id, (seen.get(m.id) ?? 0) + 1);
        }
        const ok = await store.archive({ ids: batch.map((m) => m.id), workerId: worker.id, now });
        expect(ok.every(Boolean)).toBe(true);
        archived += ok.length;
        for (const m of batch) leasedNow.delete(m.id);
      }
    };
    const counts = await Promise.all(Array.from({ length: CONSUMERS }, (_, n) => consumer(n)));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(TOTAL);
    expect(seen.size).toBe(TOTAL);
    expect([...seen.values()].every((c) => c === 1)).toBe(true);
    expect(await store.countMessages({ queueId, state: "archived" })).toBe(TOTAL);
    expect(await store.countMessages({ queueId })).toBe(0);
  });
});

describe("races", () => {
  let store: StoreBackend;
  const now = new Date("2030-01-01T00:00:00.000Z");

  beforeAll(async () => {
    store = await backend(freshSchema(), { maxConnections: 8 });
    await store.install();
  });

  it("concurrent createWorkflow calls of one name return one definition", async () => {
    const all = await Promise.all(Array.from({ length: 6 }, () => store.createWorkflow({ name: "raced", now })));
    expect(new Set(all.map((w) => w.id)).size).toBe(1);
    expect((await store.listQueues()).filter((q) => q.queueName === "raced")).toHaveLength(1);
  });

  it("concurrent getOrCreateRun calls of one message return one run", async () => {
    const wf = await store.createWorkflow({ name: "runs-raced", now });
    const [m] = await store.enqueue({
      queueId: wf.queueId,
      payloads: ['{"input":1}'],
      producerWorkerId: null,
      enqueuedAt: now,
      visibleAt: now,
    });
    const runs = await Promise.all(Array.from({ length: 6 }, () => store.getOrCreateRun({ message: m!, now })));
    expect(new Set(runs.map((r) => r.id)).size).toBe(1);
    expect(await store.countRuns({ workflowId: wf.id })).toBe(1);
  });

  it("of racers for a retry-ready step exactly one acquires, and all see the committed RUNNING row", async () => {
    const wf = await store.createWorkflow({ name: "steps-raced", now });
    const [m] = await store.enqueue({
      queueId: wf.queueId,
      payloads: ['{"input":2}'],
      producerWorkerId: null,
      enqueuedAt: now,
      visibleAt: now,
    });
    const run = await store.getOrCreateRun({ message: m!, now });
    await store.acquireStep({ owner: "d1", runId: run.id, stepName: "s", now });
    await store.failStep({ runId: run.id, stepName: "s", now, error: '"boom"', retryAt: now, retryCount: 1 });
    // Exactly one racer moves ERROR → RUNNING; the others lose the row lock and must report the winner's committed
    // row, not the ERROR version their statement snapshot still sees.
    const later = new Date(now.getTime() + 1);
    const results = await Promise.all(
      Array.from({ length: 6 }, () => store.acquireStep({ owner: "d1", runId: run.id, stepName: "s", now: later })),
    );
    expect(results.every((r) => r.step.status === "RUNNING" && r.step.retryAt === null)).toBe(true);
    expect(results.every((r) => r.step.retryCount === 1 && r.step.error === null)).toBe(true);
    expect(results.filter((r) => r.acquired)).toHaveLength(1);
    expect(new Set(results.map((r) => r.step.id)).size).toBe(1);
  });

  it("concurrent registrations of one name: one worker, the rest VALIDATION_FAILED", async () => {
    const q = await store.createQueue({ name: "reg-raced", now });
    const settled = await Promise.allSettled(
      Array.from({ length: 6 }, () => store.registerWorker({ name: "same-name", queueId: q.id, now })),
    );
    const won = settled.filter((s) => s.status === "fulfilled");
    expect(won).toHaveLength(1);
    for (const s of settled) {
      if (s.status === "rejected") expect(s.reason).toMatchObject({ code: "VALIDATION_FAILED" });
    }
  });

  it("two schemas sharing one pool keep their prepared statements apart", async () => {
    const pool = new pg.Pool({ connectionString: postgresDsn(), max: 1 });
    try {
      const opts = { pool, maxConnections: 1, connectionTimeoutMs: 5_000 };
      const a = await createPostgresBackend({ ...opts, schema: freshSchema() });
      const b = await createPostgresBackend({ ...opts, schema: freshSchema() });
      await a.install();
      await b.install();
      for (const s of [a, b, a, b]) {
        const q = (await s.getQueueByName("p")) ?? (await s.createQueue({ name: "p", now }));
        await s.enqueue({ queueId: q.id, payloads: ["1"], producerWorkerId: null, enqueuedAt: now, visibleAt: now });
      }
      expect(await a.countMessages({})).toBe(2);
      expect(await b.countMessages({})).toBe(2);
    } finally {
      await pool.end();
    }
  });
});

describe("combined workflow writes", () => {
  let store: StoreBackend;
  const now = new Date("2030-01-01T00:00:00.000Z");
  let n = 0;

  beforeAll(async () => {
    store = await backend(freshSchema());
    await store.install();
  });

  async function claimedRun() {
    n += 1;
    const wf = await store.createWorkflow({ name: `combined_${n}`, now });
    const worker = await store.registerWorker({ name: `w_${n}`, queueId: wf.queueId, now });
    const base = { queueId: wf.queueId, producerWorkerId: null, enqueuedAt: now, visibleAt: now };
    await store.enqueue({ ...base, payloads: ['{"input":1}', '{"input":2}'] });
    const claim = { queueId: wf.queueId, workerId: worker.id, limit: 5, leaseMs: 30_000, now, maxReadCt: 5 };
    return { wf, worker, claim };
  }

  it("claims messages and starts their runs in one statement, each run as startRun would return it", async () => {
    const { worker, claim } = await claimedRun();
    const claimed = await store.dequeueAndStartRuns!(claim);
    expect(claimed.map((c) => c.message.payload)).toEqual([{ input: 1 }, { input: 2 }]);
    for (const { message, run } of claimed) {
      expect(message.consumerWorkerId).toBe(worker.id);
      expect(message.readCt).toBe(1);
      expect(run).toMatchObject({ messageId: message.id, status: "RUNNING", input: message.payload });
      expect(await store.getRunByMessageId(message.id)).toEqual(run);
    }
    // A redelivery finds the run as it is: a cancelling run is not restarted.
    const first = claimed[0]!;
    await store.transitionRun({ id: first.run!.id, from: ["RUNNING"], to: "CANCELLING", now });
    await store.release({ ids: [first.message.id], workerId: worker.id, now, visibleAt: now });
    const again = await store.dequeueAndStartRuns!(claim);
    expect(again.map((c) => [c.message.id, c.run?.status])).toEqual([[first.message.id, "CANCELLING"]]);
  });

  it("writes a step's output with the next acquisition, and refuses both for an attempt that lost the step", async () => {
    const { claim } = await claimedRun();
    const run = (await store.dequeueAndStartRuns!(claim))[0]!.run!;
    await store.acquireStep({ runId: run.id, stepName: "a", now, owner: "d1" });
    const next = await store.completeStepThenAcquire!({
      complete: { runId: run.id, stepName: "a", now, output: '{"a":1}', owner: "d1" },
      acquire: { runId: run.id, stepName: "b", now, owner: "d1" },
    });
    expect(next).toMatchObject({ completed: true, acquired: true, runStatus: "RUNNING" });
    expect(next.step).toMatchObject({ stepName: "b", status: "RUNNING" });
    expect(await store.getStep({ runId: run.id, stepName: "a" })).toMatchObject({
      status: "SUCCESS",
      output: { a: 1 },
    });
    // Another delivery took "b" over: the old attempt's write of "b" and its acquisition of "c" both do nothing.
    await store.acquireStep({ runId: run.id, stepName: "b", now, owner: "d2" });
    const late = await store.completeStepThenAcquire!({
      complete: { runId: run.id, stepName: "b", now, output: '"late"', owner: "d1" },
      acquire: { runId: run.id, stepName: "c", now, owner: "d1" },
    });
    expect(late.completed).toBe(false);
    expect(await store.getStep({ runId: run.id, stepName: "b" })).toMatchObject({ status: "RUNNING", output: null });
    expect(await store.getStep({ runId: run.id, stepName: "c" })).toBeNull();
  });

  it("finishes the run with its last step's output and archives the message, only for the step's holder", async () => {
    const { worker, claim } = await claimedRun();
    const [one, two] = await store.dequeueAndStartRuns!(claim);
    for (const c of [one!, two!]) await store.acquireStep({ runId: c.run!.id, stepName: "last", now, owner: "d1" });
    const finish = (c: typeof one, owner: string) =>
      store.completeStepThenRunAndArchive!({
        complete: { runId: c!.run!.id, stepName: "last", now, output: "7", owner },
        run: {
          id: c!.run!.id,
          from: ["RUNNING"],
          to: "SUCCESS",
          now,
          output: "7",
          messageId: c!.message.id,
          workerId: worker.id,
        },
      });
    const done = await finish(one, "d1");
    expect(done).toMatchObject({ completed: true, archived: true });
    expect(done.run).toMatchObject({ status: "SUCCESS", output: 7 });
    expect(await store.getStep({ runId: one!.run!.id, stepName: "last" })).toMatchObject({ status: "SUCCESS" });
    const fenced = await finish(two, "someone-else");
    expect(fenced).toEqual({ completed: false, run: null, archived: false });
    expect((await store.getRun(two!.run!.id))?.status).toBe("RUNNING");
    expect((await store.getMessage(two!.message.id))?.archivedAt).toBeNull();
  });
});

describe("error translation", () => {
  it("a duplicate queue is QUEUE_ALREADY_EXISTS: found before inserting, or the server's error when racing", async () => {
    const schema = freshSchema();
    const b = await backend(schema);
    await b.install();
    const now = new Date();
    await b.createQueue({ name: "dup", now });
    const err = await b.createQueue({ name: "dup", now }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PgqrsError);
    expect(err).toMatchObject({ code: "QUEUE_ALREADY_EXISTS", message: "Queue 'dup' already exists" });
    expect((err as PgqrsError).details).toEqual({ name: "dup" });
    // Racing another creator's uncommitted insert: the create waits on the unique index, then the server refuses it.
    const other = new pg.Client({ connectionString: postgresDsn() });
    await other.connect();
    try {
      await other.query("BEGIN");
      await other.query(`INSERT INTO "${schema}".pgqrs_queues (queue_name) VALUES ('raced')`);
      const racing = b.createQueue({ name: "raced", now }).catch((e: unknown) => e);
      await expect
        .poll(
          async () =>
            (
              await other.query(
                "SELECT count(*)::int AS n FROM pg_catalog.pg_stat_activity WHERE wait_event_type = 'Lock' AND strpos(query, $1) > 0",
                [schema],
              )
            ).rows[0].n,
          { timeout: 30_000 },
        )
        .toBe(1);
      await other.query("COMMIT");
      const raced = await racing;
      expect(raced).toMatchObject({ code: "QUEUE_ALREADY_EXISTS", message: "Queue 'raced' already exists" });
      expect((raced as PgqrsError).cause).toMatchObject({ code: "23505" });
    } finally {
      await other.end();
    }
  });

  it("an unreachable server is CONNECTION_FAILED without the password", async () => {
    const err = await createPostgresBackend({
      connectionString: "postgresql://someone:s3cret-pw@127.0.0.1:1/nowhere",
      schema: "public",
      maxConnections: 1,
      connectionTimeoutMs: 2_000,
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "CONNECTION_FAILED" });
    expect((err as Error).message).not.toContain("s3cret-pw");
    expect((err as Error).message).toContain("***");
  });

  it("other server errors are QUERY_FAILED with every server field kept on the cause", async () => {
    const b = await backend(freshSchema());
    await b.install();
    const err = await b.registerWorker({ name: "orphan", queueId: 987_654, now: new Date() }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "QUERY_FAILED", details: { code: "23503" } });
    expect((err as PgqrsError).cause).toMatchObject({ code: "23503", constraint: "fk_workers_queue_id" });
  });
});
