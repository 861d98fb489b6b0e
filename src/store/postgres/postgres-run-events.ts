/** Events of a run (`pgqrs_workflow_events`): set (waking the run and its parent when they wait on it), read, list. */
import type { RunPrimitiveOps } from "../run-primitives.js";
import type { PostgresConnection } from "./postgres-connection.js";
import { runNotFound } from "./postgres-run-messages.js";
import { notifyWoken, wakeRunsCte } from "./postgres-run-wakes.js";
import { primitiveCols, toRunEvent } from "./postgres-rows.js";

export type RunEventOps = Pick<RunPrimitiveOps, "setRunEvent" | "getRunEvent" | "listRunEvents">;

export function createRunEventOps(conn: PostgresConnection): RunEventOps {
  const runs = conn.t("pgqrs_workflow_runs");
  const events = conn.t("pgqrs_workflow_events");
  const ecols = primitiveCols.runEvent();

  // Waiters of an event are the run itself and its parent (a run can wait on a child's event): whichever of them
  // is PAUSED waiting for an event is woken, and its suspension's check then finds the event set.
  // (`status::text`: the two ids are the way in, never the status index.)
  const setEventSql = `
    WITH run AS (SELECT id, parent_run_id FROM ${runs} WHERE id = $1),
    up AS (
      INSERT INTO ${events} AS e (run_id, key, value, created_at, updated_at)
      SELECT run.id, $2, $3::jsonb, $4, $4 FROM run
      ON CONFLICT (run_id, key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at
      RETURNING ${primitiveCols.runEvent("e")}),
    ${wakeRunsCte(conn, {
      name: "w",
      now: "$4",
      runIds: "(SELECT ARRAY[run.id, run.parent_run_id] FROM run WHERE EXISTS (SELECT 1 FROM up))::bigint[]",
      mode: "array",
      runFilter: `wr.status::text = 'PAUSED' AND (wr.waiting_for OPERATOR(pg_catalog.->>) 'kind') = 'event'`,
    })}
    SELECT up.*, ${notifyWoken(conn, "w", "notified")} FROM up`;

  const getEventSql = `
    SELECT EXISTS (SELECT 1 FROM ${runs} WHERE id = $1) AS run_exists, ${primitiveCols.runEvent("e")}
      FROM (SELECT 1) one LEFT JOIN ${events} e ON e.run_id = $1 AND e.key OPERATOR(pg_catalog.=) $2`;

  return {
    async setRunEvent(p) {
      const [row] = await conn.prepared("set_run_event", setEventSql, [p.runId, p.key, p.value, p.now]);
      if (row === undefined) throw runNotFound(p.runId);
      return toRunEvent(row);
    },

    async getRunEvent(p) {
      const [row] = await conn.prepared("get_run_event", getEventSql, [p.runId, p.key]);
      const event = row === undefined || row.run_id === null || row.run_id === undefined ? null : toRunEvent(row);
      return { runExists: row?.run_exists === true, event };
    },

    async listRunEvents({ runId }) {
      const rows = await conn.query("listRunEvents", `SELECT ${ecols} FROM ${events} WHERE run_id = $1 ORDER BY key`, [
        runId,
      ]);
      return rows.map(toRunEvent);
    },
  };
}
