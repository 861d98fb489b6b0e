-- Errors retry by default (issue 16): each failed execution of a step keeps its error, appended by the failing
-- write itself. JSON text of [{attempt, at, error}] ('at' an ISO 8601 string), oldest first; NULL until one fails.
ALTER TABLE pgqrs_workflow_steps ADD COLUMN attempt_errors TEXT NULL;
