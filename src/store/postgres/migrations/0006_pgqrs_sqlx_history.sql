-- Sharing a schema with Rust/Python pgqrs 0.15.3: after this package installs, pgqrs's own install() must find its
-- migrations applied, and pgqrs's constraint names must be the ones its later migrations would refer to.

-- 0001 left the two worker foreign keys of pgqrs_messages with PostgreSQL's default names
-- (pgqrs_messages_<column>_fkey); pgqrs names them fk_messages_<column>. Rename whatever they are called.
DO $pgqrs$
DECLARE
  fk record;
BEGIN
  FOR fk IN
    SELECT c.conname::text AS conname, pg_catalog.concat('fk_messages_', a.attname) AS wanted
      FROM pg_catalog.pg_constraint c
      JOIN pg_catalog.pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
     WHERE c.conrelid = '{{schema}}.pgqrs_messages'::regclass
       AND c.confrelid = '{{schema}}.pgqrs_workers'::regclass
       AND c.contype = 'f'
       AND pg_catalog.array_length(c.conkey, 1) = 1
       AND a.attname::text IN ('producer_worker_id', 'consumer_worker_id')
  LOOP
    IF fk.conname <> fk.wanted AND NOT EXISTS (
      SELECT 1 FROM pg_catalog.pg_constraint
       WHERE conrelid = '{{schema}}.pgqrs_messages'::regclass AND conname::text = fk.wanted
    ) THEN
      EXECUTE pg_catalog.format('ALTER TABLE {{schema}}.pgqrs_messages RENAME CONSTRAINT %I TO %I', fk.conname, fk.wanted);
    END IF;
  END LOOP;
END $pgqrs$;

-- sqlx's migrations table, laid out as sqlx 0.8 creates it. sqlx creates it unqualified, that is in the first schema
-- of pgqrs's search_path, which pgqrs sets to the configured schema: this schema.
CREATE TABLE IF NOT EXISTS {{schema}}._sqlx_migrations (
  version BIGINT PRIMARY KEY,
  description TEXT NOT NULL,
  installed_on TIMESTAMPTZ NOT NULL DEFAULT pg_catalog.now(),
  success BOOLEAN NOT NULL,
  checksum BYTEA NOT NULL,
  execution_time BIGINT NOT NULL
);

-- pgqrs 0.15.3's applied migrations (version, description, SHA-384 of the file), as sqlx records them. Everything
-- they create exists after 0001-0006 under the same names. Written only when the table holds nothing but pgqrs's
-- rows: a table with other rows belongs to another sqlx application using this schema, whose migrator would refuse
-- versions it does not know. Rows pgqrs already wrote are kept as they are.
WITH pgqrs (version, description, checksum) AS (
  VALUES
    (1::bigint, 'create worker status enum', pg_catalog.decode('d2c9fdceef8a50d25d477ad3591c44d22523e3796c5d89f2185cdbbad5b744b50f4d33835e8282787566b2e72a92ed30', 'hex')),
    (2::bigint, 'create queue table', pg_catalog.decode('0e249be0fa88e93f2389598a7846b14d2222e920125411f9c5b2a45ee7e4e502d0f66cec66ebf072519e63b9633c3839', 'hex')),
    (3::bigint, 'create worker table', pg_catalog.decode('4a8661ec5994583653419ede0358f6ebdd1afc7007badc2df474cb61453a0c06c95c787770cf74902ae350991cc5eb59', 'hex')),
    (4::bigint, 'create messages table', pg_catalog.decode('a6fb1fcb94e74fffd5d4a4a8167e6a79c494a169659fa29fb3d5a4ccdef5905b7387372875471eb7d9b6c23b19687fed', 'hex')),
    (6::bigint, 'create workflow tables', pg_catalog.decode('6df4919f0208ce174be4aef9e8752615426a1346b1f641a4de5389254b68d92da14a27c58e61aa81207d7263c61b9723', 'hex'))
)
INSERT INTO {{schema}}._sqlx_migrations (version, description, success, checksum, execution_time)
SELECT p.version, p.description, TRUE, p.checksum, 0
  FROM pgqrs p
 WHERE NOT EXISTS (
   SELECT 1 FROM {{schema}}._sqlx_migrations s
    WHERE NOT EXISTS (SELECT 1 FROM pgqrs o WHERE o.version = s.version AND o.checksum = s.checksum)
 )
ON CONFLICT (version) DO NOTHING;
