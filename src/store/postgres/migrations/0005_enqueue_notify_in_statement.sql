-- The enqueue statement sends its own NOTIFY now (one per statement, same channel and payload), which costs a
-- fraction of the statement-level trigger of 0004. Writers that are not pgqrs for TypeScript no longer wake our
-- idle consumers at once; those consumers still find the messages at their next poll.
DROP TRIGGER IF EXISTS pgqrs_messages_notify_enqueue ON {{schema}}.pgqrs_messages;
DROP FUNCTION IF EXISTS {{schema}}.pgqrs_notify_enqueue();
