-- Queries over runs (issue 16): `admin(store).listRuns` pages runs newest first, by (created_at, id), filtered by
-- workflow, status and a created_at range; and runs record the worker that last started them.

-- How many times a worker started the run (its first start, restarts after a pause or a crash). Written in the
-- statement that starts the run, with worker_id.
ALTER TABLE pgqrs_workflow_runs ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;

-- Runs now reference the worker that started them (worker_id, a foreign key without an action that SQLite cannot
-- alter): deleting a stopped worker (purgeOldWorkers, deleteWorker) must not fail on a paused run it started.
CREATE TRIGGER IF NOT EXISTS pgqrs_ts_delete_worker_runs BEFORE DELETE ON pgqrs_workers
  BEGIN UPDATE pgqrs_workflow_runs SET worker_id = NULL WHERE worker_id = OLD.id; END;

-- Every listing walks one of these backwards from its cursor and stops after a page: all runs (and a created_at
-- range), one workflow's, or one status's (pgqrs's status index alone makes SQLite sort every run of the status).
-- Few on purpose: each index costs every insert and every status change of a run. The workflow composite replaces
-- idx_workflow_runs_workflow_id (it serves the same lookups, and the ON DELETE CASCADE from pgqrs_workflows).
CREATE INDEX IF NOT EXISTS idx_workflow_runs_created ON pgqrs_workflow_runs (created_at, id);
CREATE INDEX IF NOT EXISTS idx_workflow_runs_workflow_created ON pgqrs_workflow_runs (workflow_id, created_at, id);
CREATE INDEX IF NOT EXISTS idx_workflow_runs_status_created ON pgqrs_workflow_runs (status, created_at, id);
DROP INDEX IF EXISTS idx_workflow_runs_workflow_id;
