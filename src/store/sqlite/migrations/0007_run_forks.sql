-- Forks of runs (issue 16): `admin(store).forkRun(runId, { fromStep })` starts a new run that replays the
-- original's steps before `fromStep`; the new run records the original. Rows pgqrs (Rust/Python) writes get NULL.

ALTER TABLE pgqrs_workflow_runs ADD COLUMN forked_from_run_id INTEGER NULL REFERENCES pgqrs_workflow_runs(id) ON DELETE SET NULL;
-- The forks of a run; also what the ON DELETE SET NULL of forked_from_run_id looks up.
CREATE INDEX IF NOT EXISTS idx_workflow_runs_forked_from
  ON pgqrs_workflow_runs (forked_from_run_id) WHERE forked_from_run_id IS NOT NULL;
