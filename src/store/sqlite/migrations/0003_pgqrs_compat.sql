-- Sharing a file with Rust/Python pgqrs 0.15.3. Before this SQL runs, the runner's step for this version
-- (sqlite-migrations.ts) has added the columns, indexes and delete cascades a file created by pgqrs lacks, and
-- given pgqrs's index names back to pgqrs (earlier releases of this package reused idx_messages_hot_path and
-- idx_workers_queue_id for indexes of their own, now idx_messages_claim and idx_workers_queue_status).

-- sqlx's migrations table, laid out as sqlx 0.8 creates it on SQLite.
CREATE TABLE IF NOT EXISTS _sqlx_migrations (
    version BIGINT PRIMARY KEY,
    description TEXT NOT NULL,
    installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    success BOOLEAN NOT NULL,
    checksum BLOB NOT NULL,
    execution_time BIGINT NOT NULL
);

-- pgqrs 0.15.3's applied migrations (version, description, SHA-384 of the file), as sqlx records them, so pgqrs's
-- own install() finds them applied: everything they create exists under the same names. Written only when the
-- table holds nothing but pgqrs's rows (a table with other rows belongs to another sqlx application, whose
-- migrator would refuse versions it does not know); rows pgqrs already wrote are kept as they are.
WITH pgqrs (version, description, checksum) AS (
  VALUES
    (1, 'create queues', X'19d17ed610253df43bced388b7b223b20f45a494bf73488f6c7713e72eddafef568d89aa619c615cd0949f9750e67e2f'),
    (2, 'create workers', X'02e116c0786679575c984bf42cd404442a93f9a5dd9be9b1b269bf6b990c40a4d075872223d3bbac2ce26af988ea4cee'),
    (3, 'create messages', X'1200c75c0a8f57f50914a6efd7ada7716bc3035cf3c9030b634944d42d5ec1f0b45b4b42b3b826e55395f4ff70a0a58b'),
    (5, 'create workflows', X'49f7b205e24569ed301d1cc7f8f745428838bc8555eefe554d8c456df703005c633316d067ff3b5fb7e70280d641c414')
)
INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
SELECT p.version, p.description, TRUE, p.checksum, 0
  FROM pgqrs p
 WHERE NOT EXISTS (
   SELECT 1 FROM _sqlx_migrations s
    WHERE NOT EXISTS (SELECT 1 FROM pgqrs o WHERE o.version = s.version AND o.checksum = s.checksum)
 )
ON CONFLICT (version) DO NOTHING;
