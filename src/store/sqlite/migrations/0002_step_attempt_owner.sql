-- Which delivery of the run's message is executing a RUNNING step (consumer id and read count). A RUNNING step is
-- taken over only by a different delivery (the old one crashed or lost its lease), never twice by the same one,
-- so two racers for a retry-ready step cannot both execute it.
ALTER TABLE pgqrs_workflow_steps ADD COLUMN attempt_owner TEXT NULL;
