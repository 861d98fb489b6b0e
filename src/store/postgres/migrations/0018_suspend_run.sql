-- A run's suspension (run.sleep, run.recv, a child's result, an event wait) in one round trip instead of four
-- (BEGIN, the lock, the write, COMMIT). A PL/pgSQL function declared VOLATILE takes a fresh snapshot for each of its
-- statements, so the wake check still runs after the run's and the message's rows are locked: it sees every waker
-- that committed before the locks were granted, and a waker still to come waits for this transaction and then finds
-- the message released. Additive for pgqrs (Rust/Python): a function pgqrs does not call. Re-runnable.
--
-- Its result (OUT parameters): `outcome` 'paused' (run PAUSED with `waiting_for`, message released visible at p_until, or at
-- p_now when a wake condition holds: `woken`), 'cancelling' (the run is CANCELLING; nothing written) or 'lost' (the
-- run is finished or missing, or the message is not held by p_worker, or archived; nothing written); `run` is the
-- run's row (after the write when paused; NULL when lost), for the caller to expand with `(s.run).*`.
CREATE OR REPLACE FUNCTION {{schema}}.pgqrs_suspend_run(
  p_run bigint, p_message bigint, p_worker bigint, p_now timestamptz, p_waiting_for jsonb, p_until timestamptz,
  p_topics text[], p_children bigint[], p_event_runs bigint[], p_event_keys text[],
  OUT outcome text, OUT woken boolean, OUT run {{schema}}.pgqrs_workflow_runs)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  st text;
  holder bigint;
  archived timestamptz;
BEGIN
  -- Both rows locked (NO KEY UPDATE, as the claim locks messages, so foreign-key checks of inserts referencing them
  -- are not blocked). Every waker updates the message row, so it waits here.
  SELECT r.status::text, m.consumer_worker_id, m.archived_at
    INTO st, holder, archived
    FROM {{schema}}.pgqrs_workflow_runs r JOIN {{schema}}.pgqrs_messages m ON m.id OPERATOR(pg_catalog.=) p_message
   WHERE r.id OPERATOR(pg_catalog.=) p_run AND r.message_id OPERATOR(pg_catalog.=) m.id
     FOR NO KEY UPDATE OF r, m;
  IF NOT FOUND THEN
    outcome := 'lost';
    woken := false;
    RETURN;
  END IF;
  IF st OPERATOR(pg_catalog.=) 'CANCELLING' THEN
    SELECT r.* INTO run FROM {{schema}}.pgqrs_workflow_runs r WHERE r.id OPERATOR(pg_catalog.=) p_run;
    outcome := 'cancelling';
    woken := false;
    RETURN;
  END IF;
  IF st OPERATOR(pg_catalog.=) ANY ('{SUCCESS,ERROR,CANCELLED}'::text[]) OR holder IS NULL
     OR holder OPERATOR(pg_catalog.<>) p_worker OR archived IS NOT NULL THEN
    outcome := 'lost';
    woken := false;
    RETURN;
  END IF;

  -- A statement of its own, so its snapshot is taken after the locks.
  SELECT EXISTS (SELECT 1 FROM {{schema}}.pgqrs_workflow_messages wm
                  WHERE wm.run_id OPERATOR(pg_catalog.=) p_run AND wm.consumed_at IS NULL
                    AND wm.topic OPERATOR(pg_catalog.=) ANY (p_topics))
      OR EXISTS (SELECT 1 FROM {{schema}}.pgqrs_workflow_runs c
                  WHERE c.id OPERATOR(pg_catalog.=) ANY (p_children)
                    AND c.status::text OPERATOR(pg_catalog.=) ANY ('{SUCCESS,ERROR,CANCELLED}'::text[]))
      OR EXISTS (SELECT 1 FROM ROWS FROM (pg_catalog.unnest(p_event_runs), pg_catalog.unnest(p_event_keys)) AS k(run_id, key)
                   JOIN {{schema}}.pgqrs_workflow_events e
                     ON e.run_id OPERATOR(pg_catalog.=) k.run_id AND e.key OPERATOR(pg_catalog.=) k.key)
    INTO woken;

  UPDATE {{schema}}.pgqrs_workflow_runs r
     SET status = 'PAUSED', paused_at = p_now, updated_at = p_now, waiting_for = p_waiting_for
   WHERE r.id OPERATOR(pg_catalog.=) p_run
  RETURNING r.* INTO run;

  UPDATE {{schema}}.pgqrs_messages m
     SET consumer_worker_id = NULL, read_ct = GREATEST(m.read_ct OPERATOR(pg_catalog.-) 1, 0),
         vt = CASE WHEN woken THEN p_now ELSE p_until END
   WHERE m.id OPERATOR(pg_catalog.=) p_message AND m.consumer_worker_id OPERATOR(pg_catalog.=) p_worker
     AND m.archived_at IS NULL;

  outcome := 'paused';
END;
$fn$;
