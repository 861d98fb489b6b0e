-- Zombie reclaim may only take workers that heartbeat in the background, as this package's do (a busy handler
-- keeps beating). pgqrs (Rust/Python) heartbeats only while its poll loop is idle, so a busy pgqrs worker's
-- heartbeat goes stale; its messages come back by lease expiry alone. Our registration stamps this column with
-- the row's started_at; pgqrs never writes it, and its reuse of a stopped row's name sets a new started_at, so
-- the two stop matching and the row is no longer ours. NULL (every row pgqrs inserts) is never reclaimed.
ALTER TABLE pgqrs_workers ADD COLUMN background_heartbeat_since TEXT NULL;
