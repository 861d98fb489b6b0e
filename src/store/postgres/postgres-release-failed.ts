/**
 * The release of failed deliveries (`ReleaseParams.error` / `deadLetterAtReadCt`): in ONE statement, each held
 * message either goes back to the queue at `visibleAt` with its error, or, at its last allowed delivery, is
 * dead-lettered with its error while its unfinished workflow run fails (as `deadLetter` does). So there is no moment
 * at which a used-up message sits unarchived, and metrics count it dead as soon as the statement commits.
 */
import type { PostgresConnection } from "./postgres-connection.js";
import { UNFINISHED_RUN } from "./postgres-message-admin.js";
import { notifyWoken, wakeRunsCte } from "./postgres-run-wakes.js";

/**
 * $1 ids, $2 worker, $3 visible at, $4 refund the delivery, $5 dead-letter at read_ct (NULL: never), $6 now,
 * $7 the error (jsonb text, NULL: keep `last_error`). Returns one `kind = 'message'` row per changed message.
 *
 * Race-free like `release`: the owner check (`consumer_worker_id = $2 AND archived_at IS NULL`) is re-evaluated
 * after any row lock wait, so a message whose expired lease another consumer took is neither released nor
 * dead-lettered by its former holder. The dead-lettering condition reads the row's own `read_ct` in the same
 * update. A refunded delivery was no failure, so it never dead-letters.
 */
export function releaseFailed(conn: PostgresConnection): string {
  const messages = conn.t("pgqrs_messages");
  const runs = conn.t("pgqrs_workflow_runs");
  const dead = "($5::int IS NOT NULL AND NOT $4::boolean AND m.read_ct >= $5::int)";
  return `
    WITH u AS (
      UPDATE ${messages} m
         SET consumer_worker_id = CASE WHEN ${dead} THEN m.consumer_worker_id END,
             vt = CASE WHEN ${dead} THEN m.vt ELSE $3::timestamptz END,
             read_ct = CASE WHEN $4::boolean THEN GREATEST(m.read_ct - 1, 0) ELSE m.read_ct END,
             archived_at = CASE WHEN ${dead} THEN $6::timestamptz END,
             dead_lettered_at = CASE WHEN ${dead} THEN $6::timestamptz ELSE m.dead_lettered_at END,
             last_error = COALESCE($7::jsonb, m.last_error)
       WHERE m.id = ANY($1::bigint[]) AND m.consumer_worker_id = $2 AND m.archived_at IS NULL
      RETURNING m.id, m.archived_at IS NOT NULL AS dead),
    f AS (
      UPDATE ${runs} r
         SET status = 'ERROR', updated_at = $6, completed_at = $6, waiting_for = NULL,
             error = pg_catalog.jsonb_build_object(
               'code', 'DEAD_LETTERED',
               'message', pg_catalog.format(
                 'message %s reached maxReadCt (%s) deliveries and was dead-lettered', u.id, $5::integer))
        FROM u
       WHERE u.dead AND r.message_id = u.id AND r.status::text IN ${UNFINISHED_RUN}
      RETURNING r.id, r.parent_run_id),
    ${wakeRunsCte(conn, { name: "pw", now: "$6", runIds: "ARRAY(SELECT parent_run_id FROM f)", mode: "array" })}
    SELECT 'message' AS kind, id FROM u
    UNION ALL
    SELECT 'woken' AS kind, ${notifyWoken(conn, "pw", "id")}`;
}
