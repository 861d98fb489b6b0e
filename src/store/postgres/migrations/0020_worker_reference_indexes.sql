-- The rows that reference a worker, found by index: deleting a worker (`deleteWorker`, `purgeOldWorkers`) checks the
-- foreign keys of pgqrs_messages.consumer_worker_id (pgqrs indexes only the unarchived rows) and of
-- pgqrs_workflow_runs.worker_id (ON DELETE SET NULL, no index), and each check read the whole table once per
-- deleted worker: purging 100 stale ephemeral workers beside 200,000 archived messages took 1.55 s, linear in both
-- (85 ms with these indexes). Partial, so rows without a worker add no entry; the drain and workflow benches showed
-- no cost beyond their noise. Additive for pgqrs (Rust/Python): indexes under names pgqrs does not use. Re-runnable.
CREATE INDEX IF NOT EXISTS idx_pgqrs_messages_consumer_worker_id
  ON {{schema}}.pgqrs_messages (consumer_worker_id) WHERE consumer_worker_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS idx_pgqrs_workflow_runs_worker_id
  ON {{schema}}.pgqrs_workflow_runs (worker_id) WHERE worker_id IS NOT NULL;
