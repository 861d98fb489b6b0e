/**
 * The PostgreSQL backend: a {@link StoreBackend} over a node-postgres pool. Every table is schema-qualified with
 * the configured schema (quoted once), so no `search_path` is needed and the backend works through PgBouncer in
 * transaction mode.
 */
import type pg from "pg";
import type {
  DashboardReadStoreOps,
  MessageStoreOps,
  MetricsStoreOps,
  QueueStoreOps,
  RetentionStoreOps,
  RunOperationOps,
  RunPrimitiveOps,
  RunQueryOps,
  ScheduleStoreOps,
  SchemaStoreOps,
  StatsStoreOps,
  StoreBackend,
  WorkerStoreOps,
  WorkflowStoreOps,
} from "../store.js";
import { storeClosed } from "../../errors.js";
import { POSTGRES_CAPABILITIES } from "./postgres-backend.js";
import { retryTransientConnect, retryWorkerCreation } from "./postgres-connect-retry.js";
import { describeTarget, PostgresConnection } from "./postgres-connection.js";
import { createDashboardReadOps } from "./postgres-dashboard-reads.js";
import { createMessageAdminOps } from "./postgres-message-admin.js";
import { createMessageReadOps } from "./postgres-message-reads.js";
import { createMessageLeaseOps } from "./postgres-message-leases.js";
import { createMessageProgressOps } from "./postgres-message-progress.js";
import { createMetricsOps } from "./postgres-metrics.js";
import { type ListenerReport, notifyOrigin, PostgresListener } from "./postgres-listener.js";
import { install } from "./postgres-migrations.js";
import { createQueueRemovalOps } from "./postgres-queue-removal.js";
import { createQueueOps } from "./postgres-queues.js";
import { createRetentionOps } from "./postgres-retention.js";
import { createRunPrimitiveOps } from "./postgres-run-primitives.js";
import { createScheduleOps } from "./postgres-schedules.js";
import { createRunOperationOps } from "./postgres-run-operations.js";
import { createRunQueryOps } from "./postgres-run-queries.js";
import { createStatsOps } from "./postgres-stats.js";
import { createStepOps } from "./postgres-steps.js";
import { verify } from "./postgres-verify.js";
import { createWorkerOps } from "./postgres-workers.js";
import { createWorkflowOps } from "./postgres-workflows.js";
import { createZombieOps } from "./postgres-zombies.js";
import { pgDriver } from "./pg-driver.js";
import { createPgPool } from "./postgres-multi-host.js";

export interface PostgresBackendOptions {
  /** DSN used to create a pool when `pool` is not given. */
  connectionString?: string;
  /** A user-supplied pool; it is shared, so `close()` never ends it. */
  pool?: pg.Pool;
  /** Schema holding the tables; an already validated identifier. Created by `install()` when missing. */
  schema: string;
  /** Pool size when the backend creates the pool. */
  maxConnections: number;
  /** Time allowed to open a connection, in milliseconds. */
  connectionTimeoutMs: number;
  /**
   * DSN of the dedicated LISTEN connection (enqueue wake-ups). Default: `connectionString`, or the given pool's
   * settings. Point it at the server itself when the pool goes through PgBouncer in transaction mode.
   */
  listenConnectionString?: string;
  /** Where the LISTEN connection reports drops and reconnects (the store's logger). Default: nowhere. */
  listenerReport?: ListenerReport;
}

/**
 * Create the backend and open one connection to fail fast: CONNECTION_FAILED (password masked) when the server
 * cannot be reached. The schema is not checked here; `install()` creates it and `verify()` checks it.
 */
export async function createPostgresBackend(opts: PostgresBackendOptions): Promise<StoreBackend> {
  // The driver first: without `pg` installed, DRIVER_NOT_INSTALLED names it before anything else is tried.
  pgDriver();
  const ownsPool = opts.pool === undefined;
  const pool =
    opts.pool ??
    createPgPool({
      connectionString: opts.connectionString,
      max: opts.maxConnections,
      connectionTimeoutMillis: opts.connectionTimeoutMs,
    });
  if (ownsPool) {
    // An idle client whose server goes away emits 'error' on the pool; unhandled, it would crash the process.
    // The next query on the pool reports the failure instead.
    pool.on("error", () => undefined);
    // A client is between listeners while the pool hands it over: pg-pool removes its idle listener before the
    // statement's lease adds its own. A server shutting down can send its FATAL in that gap (in the same packet as the
    // end of the connect), and an 'error' event nobody hears crashes the process. Every client the store's pool
    // opens keeps this one; the next statement on it fails with CONNECTION_FAILED instead.
    pool.on("connect", (client) => client.on("error", () => undefined));
  }
  const conn = new PostgresConnection({
    pool,
    ownsPool,
    schema: opts.schema,
    target: describeTarget(ownsPool ? opts.connectionString : undefined, opts.schema),
  });
  try {
    // A server that is starting up or restarting is waited for, within connectionTimeoutSeconds.
    await retryTransientConnect(() => conn.ping(), opts.connectionTimeoutMs);
  } catch (err) {
    await conn.close().catch(() => undefined);
    throw err;
  }

  // This store's consumers are woken in-process by its own enqueues; the tag lets its listener skip their
  // notifications.
  const origin = notifyOrigin();
  const listener = new PostgresListener({
    connection:
      opts.listenConnectionString !== undefined
        ? { connectionString: opts.listenConnectionString }
        : opts.connectionString !== undefined
          ? { connectionString: opts.connectionString }
          : { ...pool.options },
    schema: opts.schema,
    connectionTimeoutMs: opts.connectionTimeoutMs,
    origin,
    ...(opts.listenerReport === undefined ? {} : { report: opts.listenerReport }),
  });

  // One object per operation group of the Store contract, each checked against its interface.
  const operations = {
    ...({ install: () => install(conn), verify: () => verify(conn) } satisfies Omit<SchemaStoreOps, "close">),
    ...({ ...createQueueOps(conn), ...createQueueRemovalOps(conn) } satisfies QueueStoreOps),
    ...({
      ...createMessageLeaseOps(conn, origin),
      ...createMessageAdminOps(conn),
      ...createMessageReadOps(conn),
      ...createMessageProgressOps(conn),
      listen: ({ queueId, onNotify }: { queueId: number; onNotify: () => void }) =>
        listener.subscribe(queueId, onNotify),
    } satisfies MessageStoreOps),
    ...({ ...createWorkerOps(conn), ...createZombieOps(conn) } satisfies WorkerStoreOps),
    ...(createStatsOps(conn) satisfies StatsStoreOps),
    ...(createDashboardReadOps(conn) satisfies DashboardReadStoreOps),
    ...({ ...createWorkflowOps(conn, origin), ...createStepOps(conn) } satisfies WorkflowStoreOps),
    ...(createRunPrimitiveOps(conn) satisfies RunPrimitiveOps),
    ...(createRunOperationOps(conn) satisfies RunOperationOps),
    ...(createRunQueryOps(conn) satisfies RunQueryOps),
    ...(createScheduleOps(conn) satisfies ScheduleStoreOps),
    ...(createRetentionOps(conn) satisfies RetentionStoreOps),
    ...(createMetricsOps(conn) satisfies MetricsStoreOps),
  } satisfies Omit<StoreBackend, "capabilities" | "close">;

  return {
    ...rejectWhenClosed(conn, { ...operations, ...retryWorkerCreation(operations, opts.connectionTimeoutMs) }),
    capabilities: POSTGRES_CAPABILITIES,
    close: async () => {
      await listener.close();
      await conn.close();
    },
  };
}

type AsyncOps = Record<string, (...args: never[]) => Promise<unknown>>;

/**
 * Every operation rejects with STORE_CLOSED after `close()`, including those that would return early without a
 * query (empty id lists).
 */
function rejectWhenClosed<T extends AsyncOps>(conn: PostgresConnection, ops: T): T {
  const guarded: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(ops)) {
    guarded[name] = (...args: never[]) => (conn.closed ? Promise.reject(storeClosed(name)) : fn(...args));
  }
  return guarded as T;
}
