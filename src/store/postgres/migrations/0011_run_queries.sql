-- Queries over runs (issue 16): `admin(store).listRuns` pages runs newest first, by (created_at, id), filtered by
-- workflow, status and a created_at range; and runs record the worker that last started them. Additive for
-- pgqrs (Rust/Python): one column with a default, indexes under names pgqrs does not use. Re-runnable.

-- How many times a worker started the run (its first start, restarts after a pause or a crash). Written in the
-- statement that starts the run, with worker_id.
ALTER TABLE {{schema}}.pgqrs_workflow_runs ADD COLUMN IF NOT EXISTS attempts INTEGER NOT NULL DEFAULT 0;

-- Runs now reference the worker that started them; deleting a stopped worker (purgeOldWorkers, deleteWorker) must
-- not fail on a paused run it started, so the reference goes NULL with the worker.
ALTER TABLE {{schema}}.pgqrs_workflow_runs DROP CONSTRAINT IF EXISTS pgqrs_workflow_runs_worker_id_fkey;
ALTER TABLE {{schema}}.pgqrs_workflow_runs ADD CONSTRAINT pgqrs_workflow_runs_worker_id_fkey
  FOREIGN KEY (worker_id) REFERENCES {{schema}}.pgqrs_workers (id) ON DELETE SET NULL;

-- Every listing walks one of these backwards from its cursor and stops after a page: all runs (and a created_at
-- range), one workflow's, or one status's (pgqrs's status index alone would sort every run of a common status).
-- Few on purpose: each index costs every insert and every status change of a run. The workflow composite replaces
-- the workflow_id index of 0002 (it serves the same lookups, and the ON DELETE CASCADE from pgqrs_workflows).
CREATE INDEX IF NOT EXISTS idx_pgqrs_workflow_runs_created
  ON {{schema}}.pgqrs_workflow_runs (created_at, id);
CREATE INDEX IF NOT EXISTS idx_pgqrs_workflow_runs_workflow_created
  ON {{schema}}.pgqrs_workflow_runs (workflow_id, created_at, id);
CREATE INDEX IF NOT EXISTS idx_pgqrs_workflow_runs_status_created
  ON {{schema}}.pgqrs_workflow_runs (status, created_at, id);
DROP INDEX IF EXISTS {{schema}}.idx_pgqrs_workflow_runs_workflow_id;
