-- pgqrs 0.15 schema, unchanged: names, types, enum values and index names match the Rust/Python releases so one
-- database can be shared with them. Every statement is idempotent so installing over an existing pgqrs schema
-- (created by sqlx migrations) only records the version. {{schema}} is replaced by the quoted schema name.

DO $$ BEGIN
  CREATE TYPE {{schema}}.worker_status AS ENUM ('ready', 'polling', 'suspended', 'interrupted', 'stopped');
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;

DO $$ BEGIN
  CREATE TYPE {{schema}}.pgqrs_workflow_status AS ENUM
    ('QUEUED', 'RUNNING', 'SUCCESS', 'ERROR', 'PAUSED', 'CANCELLING', 'CANCELLED');
EXCEPTION WHEN duplicate_object THEN
  -- Upgrade path of pgqrs databases created before these values existed.
  ALTER TYPE {{schema}}.pgqrs_workflow_status ADD VALUE IF NOT EXISTS 'QUEUED';
  ALTER TYPE {{schema}}.pgqrs_workflow_status ADD VALUE IF NOT EXISTS 'CANCELLING';
  ALTER TYPE {{schema}}.pgqrs_workflow_status ADD VALUE IF NOT EXISTS 'CANCELLED';
END $$;

CREATE TABLE IF NOT EXISTS {{schema}}.pgqrs_queues (
  id BIGSERIAL PRIMARY KEY,
  queue_name VARCHAR UNIQUE NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT pg_catalog.now()
);

CREATE TABLE IF NOT EXISTS {{schema}}.pgqrs_workers (
  id BIGINT PRIMARY KEY GENERATED ALWAYS AS IDENTITY,
  name TEXT NOT NULL,
  queue_id BIGINT NULL,
  started_at TIMESTAMPTZ DEFAULT pg_catalog.now(),
  heartbeat_at TIMESTAMPTZ DEFAULT pg_catalog.now(),
  shutdown_at TIMESTAMPTZ NULL,
  status {{schema}}.worker_status NOT NULL DEFAULT 'ready',
  CONSTRAINT pgqrs_workers_name_key UNIQUE (name),
  CONSTRAINT fk_workers_queue_id FOREIGN KEY (queue_id) REFERENCES {{schema}}.pgqrs_queues (id)
);

CREATE INDEX IF NOT EXISTS idx_pgqrs_workers_queue_status ON {{schema}}.pgqrs_workers (queue_id, status);
CREATE INDEX IF NOT EXISTS idx_pgqrs_workers_heartbeat ON {{schema}}.pgqrs_workers (heartbeat_at);

CREATE TABLE IF NOT EXISTS {{schema}}.pgqrs_messages (
  id BIGSERIAL PRIMARY KEY,
  queue_id BIGINT NOT NULL,
  payload JSONB NOT NULL,
  vt TIMESTAMPTZ DEFAULT pg_catalog.now(),
  enqueued_at TIMESTAMPTZ DEFAULT pg_catalog.now(),
  read_ct INT DEFAULT 0,
  dequeued_at TIMESTAMPTZ NULL,
  producer_worker_id BIGINT NULL REFERENCES {{schema}}.pgqrs_workers (id),
  consumer_worker_id BIGINT NULL REFERENCES {{schema}}.pgqrs_workers (id),
  archived_at TIMESTAMPTZ NULL,
  CONSTRAINT fk_messages_queue_id FOREIGN KEY (queue_id) REFERENCES {{schema}}.pgqrs_queues (id)
);

CREATE INDEX IF NOT EXISTS idx_pgqrs_messages_hot_path
  ON {{schema}}.pgqrs_messages (queue_id, vt, enqueued_at, id) WHERE archived_at IS NULL;
CREATE INDEX IF NOT EXISTS idx_pgqrs_messages_consumer_worker_id_active
  ON {{schema}}.pgqrs_messages (consumer_worker_id) WHERE archived_at IS NULL AND consumer_worker_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS idx_pgqrs_messages_archived_at
  ON {{schema}}.pgqrs_messages (queue_id, archived_at) WHERE archived_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS idx_pgqrs_messages_producer_worker_id ON {{schema}}.pgqrs_messages (producer_worker_id);

CREATE TABLE IF NOT EXISTS {{schema}}.pgqrs_workflows (
  id BIGSERIAL PRIMARY KEY,
  name VARCHAR(255) NOT NULL UNIQUE,
  queue_id BIGINT NOT NULL REFERENCES {{schema}}.pgqrs_queues (id),
  created_at TIMESTAMPTZ NOT NULL DEFAULT pg_catalog.now()
);

CREATE TABLE IF NOT EXISTS {{schema}}.pgqrs_workflow_runs (
  id BIGSERIAL PRIMARY KEY,
  workflow_id BIGINT NOT NULL REFERENCES {{schema}}.pgqrs_workflows (id) ON DELETE CASCADE,
  message_id BIGINT NOT NULL UNIQUE REFERENCES {{schema}}.pgqrs_messages (id),
  status {{schema}}.pgqrs_workflow_status NOT NULL,
  input JSONB,
  output JSONB,
  error JSONB,
  created_at TIMESTAMPTZ NOT NULL DEFAULT pg_catalog.now(),
  updated_at TIMESTAMPTZ NOT NULL DEFAULT pg_catalog.now(),
  started_at TIMESTAMPTZ,
  paused_at TIMESTAMPTZ,
  completed_at TIMESTAMPTZ,
  worker_id BIGINT REFERENCES {{schema}}.pgqrs_workers (id)
);

CREATE TABLE IF NOT EXISTS {{schema}}.pgqrs_workflow_steps (
  id BIGSERIAL PRIMARY KEY,
  run_id BIGINT NOT NULL REFERENCES {{schema}}.pgqrs_workflow_runs (id) ON DELETE CASCADE,
  step_name VARCHAR(255) NOT NULL,
  status {{schema}}.pgqrs_workflow_status NOT NULL,
  input JSONB,
  output JSONB,
  error JSONB,
  created_at TIMESTAMPTZ NOT NULL DEFAULT pg_catalog.now(),
  updated_at TIMESTAMPTZ NOT NULL DEFAULT pg_catalog.now(),
  started_at TIMESTAMPTZ,
  completed_at TIMESTAMPTZ,
  retry_count INTEGER NOT NULL DEFAULT 0,
  retry_at TIMESTAMPTZ NULL,
  last_retry_at TIMESTAMPTZ NULL,
  UNIQUE (run_id, step_name)
);

CREATE INDEX IF NOT EXISTS idx_pgqrs_workflows_name ON {{schema}}.pgqrs_workflows (name);
CREATE INDEX IF NOT EXISTS idx_pgqrs_workflow_runs_message_id ON {{schema}}.pgqrs_workflow_runs (message_id);
CREATE INDEX IF NOT EXISTS idx_pgqrs_workflow_runs_status ON {{schema}}.pgqrs_workflow_runs (status);
CREATE INDEX IF NOT EXISTS idx_pgqrs_workflow_steps_status ON {{schema}}.pgqrs_workflow_steps (status);
CREATE INDEX IF NOT EXISTS idx_pgqrs_workflow_steps_retry_at
  ON {{schema}}.pgqrs_workflow_steps (retry_at) WHERE retry_at IS NOT NULL;

COMMENT ON TABLE {{schema}}.pgqrs_workflows IS 'Workflow definitions (templates)';
COMMENT ON TABLE {{schema}}.pgqrs_workflow_runs IS 'Workflow execution instances';
COMMENT ON TABLE {{schema}}.pgqrs_workflow_steps IS 'Workflow step state for crash recovery';
