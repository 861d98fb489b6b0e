-- A workflow by its queue: every trigger handed to a worker, every workflow claim and every run created for a
-- message joins pgqrs_workflows on queue_id (the run's workflow is the one serving the message's queue, lowest id
-- first), and so do queue removal and retention's "is this a workflow's queue". pgqrs's PostgreSQL schema indexes
-- pgqrs_workflows by name only, so each of those read the whole table: 2,000 workflows defined cost the 3-step
-- workflow bench 5 to 15 % of its runs/s. pgqrs's SQLite schema has this index (idx_workflows_queue_id).
-- Additive for pgqrs (Rust/Python): an index under a name pgqrs does not use. Re-runnable.
CREATE INDEX IF NOT EXISTS idx_pgqrs_workflows_queue_id ON {{schema}}.pgqrs_workflows (queue_id, id);
