-- Forks of runs (issue 16): `admin(store).forkRun(runId, { fromStep })` starts a new run that replays the
-- original's steps before `fromStep`; the new run records the original. Additive for pgqrs (Rust/Python): one NULL
-- column, an index under a name pgqrs does not use. Re-runnable.

-- The run this one was forked from; deleting the original leaves its forks in place.
ALTER TABLE {{schema}}.pgqrs_workflow_runs
  ADD COLUMN IF NOT EXISTS forked_from_run_id BIGINT NULL
    REFERENCES {{schema}}.pgqrs_workflow_runs (id) ON DELETE SET NULL;
-- The forks of a run, and the lookup of the ON DELETE SET NULL when runs are deleted (a purge must not scan per run).
CREATE INDEX IF NOT EXISTS idx_pgqrs_workflow_runs_forked_from
  ON {{schema}}.pgqrs_workflow_runs (forked_from_run_id) WHERE forked_from_run_id IS NOT NULL;
