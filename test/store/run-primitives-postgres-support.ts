/**
 * Helpers of the workflow-primitive tests on PostgreSQL (run-primitives-postgres-*.test.ts): a store on a fresh schema
 * whose pool records every statement it sends (for the plan checks), raw clients beside it (closed after the file's
 * tests), a wait for a session blocked on a raw client's locks (how the race tests line up a waker and a suspension),
 * and a RUNNING run whose message its worker holds.
 */
import pg from "pg";
import { afterAll, beforeAll } from "vitest";
import { createPostgresBackend } from "../../src/store/postgres/postgres-store.js";
import type { StoreBackend } from "../../src/store/store.js";
import type { RunRecord, WorkerRecord } from "../../src/types.js";
import { testClock } from "../support/backend-factories.js";
import { dropSchema, postgresDsn, uniqueName } from "../support/backends.js";

export const HOUR = 3_600_000;

/** The file's store and what its tests share. */
export interface PrimitivesSchema {
  /** The installed store (its pool records what it sends). */
  readonly b: StoreBackend;
  /** The store's schema, quoted. */
  readonly q: string;
  /** Every statement the backend sends, by prepared-statement name (or text when unnamed). */
  readonly sent: Map<string, { text: string; values: unknown[] }>;
  /** The tests' clock. */
  readonly t: (ms?: number) => Date;
  /** A new client on the database, outside the store (closed after the file's tests). */
  raw(): Promise<pg.Client>;
  /** Resolves once some other session waits for a lock `holder` (a raw client's backend) holds. */
  blockedOn(holder: pg.Client): Promise<void>;
  vtOf(messageId: number): Promise<Date | undefined>;
  /** A new workflow's run, triggered and claimed: RUNNING, its message held by the returned worker. */
  running(parent?: number | null): Promise<{ run: RunRecord; worker: WorkerRecord }>;
}

/** Install a store on a fresh schema for the file's tests; closed, with the raw clients, and dropped after them. */
export function usePrimitivesSchema(): PrimitivesSchema {
  const schema = uniqueName("prim");
  const q = `"${schema}"`;
  const sent = new Map<string, { text: string; values: unknown[] }>();
  let pool: pg.Pool;
  let b: StoreBackend;
  const raws: pg.Client[] = [];
  const t = testClock();

  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: postgresDsn(), max: 6 });
    pool.on("connect", (client) => {
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
        const config = args[0] as { name?: string; text?: string; values?: unknown[] };
        if (typeof config === "object" && config !== null && typeof config.text === "string") {
          sent.set(config.name ?? config.text, { text: config.text, values: config.values ?? [] });
        }
        return query(...args);
      };
    });
    b = await createPostgresBackend({ pool, schema, maxConnections: 6, connectionTimeoutMs: 5_000 });
    await b.install();
  });

  afterAll(async () => {
    for (const c of raws) await c.end().catch(() => undefined);
    await b.close();
    await pool.end();
    await dropSchema(schema);
  });

  async function raw(): Promise<pg.Client> {
    const c = new pg.Client({ connectionString: postgresDsn() });
    await c.connect();
    raws.push(c);
    return c;
  }

  async function blockedOn(holder: pg.Client): Promise<void> {
    const pid = ((await holder.query("SELECT pg_backend_pid() AS pid")).rows[0] as { pid: number }).pid;
    const watcher = await raw();
    for (;;) {
      const r = await watcher.query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE $1::int = ANY(pg_blocking_pids(pid))",
        [pid],
      );
      if ((r.rows[0] as { n: number }).n > 0) return;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  async function vtOf(messageId: number): Promise<Date | undefined> {
    return (await b.getMessage(messageId))?.vt;
  }

  async function running(parent: number | null = null): Promise<{ run: RunRecord; worker: WorkerRecord }> {
    const wf = await b.createWorkflow({ name: uniqueName("wf"), now: t() });
    const worker = await b.registerWorker({ name: uniqueName("w"), queueId: wf.queueId, now: t() });
    await b.triggerRun({ workflowName: wf.name, payload: "{}", idempotencyKey: null, parentRunId: parent, now: t() });
    const [got] = await b.dequeueAndStartRuns!({
      queueId: wf.queueId,
      workerId: worker.id,
      limit: 1,
      leaseMs: 30_000,
      now: t(),
      maxReadCt: 5,
    });
    return { run: got!.run!, worker };
  }

  return {
    get b() {
      return b;
    },
    q,
    sent,
    t,
    raw,
    blockedOn,
    vtOf,
    running,
  };
}
