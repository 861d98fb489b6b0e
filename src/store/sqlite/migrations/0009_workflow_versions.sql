-- Workflow versions (issue 16): a run records the version of the definition that triggered it (the trigger
-- payload's `version`, `{ input, version }`); a worker of a version claims only runs of its version or of none.
-- Rows pgqrs (Rust/Python) writes get NULL (run by any worker).
ALTER TABLE pgqrs_workflow_runs ADD COLUMN version TEXT NULL;
-- `listRuns({ version })` / `workflow runs --version`, newest first; partial, so unversioned runs cost it nothing.
CREATE INDEX IF NOT EXISTS idx_workflow_runs_version_created
  ON pgqrs_workflow_runs (version, created_at, id) WHERE version IS NOT NULL;
