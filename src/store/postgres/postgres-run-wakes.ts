/**
 * Waking a suspended run: its trigger message is made visible at `now` unless a consumer holds it, and its queue's
 * consumers are notified. Every waker updates the message row BY ID and reads the lease only in the SET (never in
 * the WHERE): that is the waker's half of the lost-wake-up rule of `suspendRun` (see store/run-primitives.ts).
 * Wake notifications carry no origin tag, so this store's own consumers hear them too.
 */
import type { PostgresConnection } from "./postgres-connection.js";
import { enqueueChannel } from "./postgres-listener.js";

/** The SET of a wake: `now` when nobody holds the message, else its lease is left alone. */
function wakeSet(alias: string, now: string): string {
  return `vt = CASE WHEN ${alias}.consumer_worker_id IS NULL THEN ${now}::timestamptz ELSE ${alias}.vt END`;
}

/**
 * A CTE `name` waking the runs whose ids the expression `runIds` (a `bigint` scalar or array, per `mode`) yields
 * and `runFilter` (a condition on the run `wr`) accepts; it returns `queue_id` per woken message. `gate` is a
 * condition on parameters only (folded into a one-time filter by the planner), `now` the parameter of the wake time.
 */
export function wakeRunsCte(
  conn: PostgresConnection,
  p: { name: string; now: string; runIds: string; mode: "scalar" | "array"; gate?: string; runFilter?: string },
): string {
  const messages = conn.t("pgqrs_messages");
  const runs = conn.t("pgqrs_workflow_runs");
  // The message ids come from an InitPlan, so the update is a primary-key probe (a NULL id finds nothing): joined
  // instead, the planner may walk every unarchived message of the table.
  const which = p.mode === "scalar" ? `wr.id = ${p.runIds}` : `wr.id = ANY(${p.runIds})`;
  const ids = `SELECT wr.message_id FROM ${runs} wr WHERE ${which} AND ${p.runFilter ?? "TRUE"}`;
  const match = p.mode === "scalar" ? `wm.id = (${ids})` : `wm.id = ANY(ARRAY(${ids}))`;
  return `${p.name} AS (
      UPDATE ${messages} wm SET ${wakeSet("wm", p.now)}
       WHERE ${p.gate ?? "TRUE"} AND ${match} AND wm.archived_at IS NULL
      RETURNING wm.queue_id)`;
}

/**
 * A select-list expression sending one enqueue notification per distinct queue of the wake CTE `cte` (same
 * channel and payload as an enqueue, without origin); its value is the number of queues notified.
 */
export function notifyWoken(conn: PostgresConnection, cte: string, as: string): string {
  return `(SELECT pg_catalog.count(pg_catalog.pg_notify('${enqueueChannel(conn.schema)}', q.queue_id::text))
             FROM (SELECT DISTINCT queue_id FROM ${cte}) q) AS ${as}`;
}
