/**
 * verify() checks every column and index the engine needs, on both backends (issue 14 item 9): a database whose
 * migrations table says it is up to date but that lacks one of them fails with SCHEMA_VALIDATION naming it. The
 * lists verify() checks are compared with a fresh install, so a migration that adds a column or index must add it
 * to them too.
 */
import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { REQUIRED_COLUMNS } from "../../src/store/schema-columns.js";
import { REQUIRED_INDEXES } from "../../src/store/postgres/postgres-verify-objects.js";
import { createPostgresBackend } from "../../src/store/postgres/postgres-store.js";
import { createSqliteBackend } from "../../src/store/sqlite/sqlite-store.js";
import { INDEXES } from "../../src/store/sqlite/sqlite-schema-spec.js";
import type { StoreBackend } from "../../src/store/store.js";
import {
  type BackendName,
  BACKENDS,
  dropSchema,
  freshSqlitePath,
  postgresDsn,
  uniqueName,
} from "../support/backends.js";

interface Installed {
  backend: StoreBackend;
  /** Raw SQL against the installed database (PostgreSQL: search_path is the schema). */
  exec(sql: string): Promise<void>;
  rows<R>(sql: string): Promise<R[]>;
}

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

async function installed(name: BackendName): Promise<Installed> {
  if (name === "sqlite") {
    const path = freshSqlitePath();
    const backend = createSqliteBackend({ path, useWal: true, busyTimeoutMs: 5_000 });
    await backend.install();
    cleanups.push(() => backend.close());
    const withDb = <T>(fn: (db: Database.Database) => T): T => {
      const db = new Database(path);
      try {
        return fn(db);
      } finally {
        db.close();
      }
    };
    return {
      backend,
      exec: async (sql) => withDb((db) => void db.exec(sql)),
      rows: async <R>(sql: string) => withDb((db) => db.prepare(sql).all() as R[]),
    };
  }
  const schema = uniqueName("verify");
  const backend = await createPostgresBackend({
    connectionString: postgresDsn(),
    schema,
    maxConnections: 2,
    connectionTimeoutMs: 5_000,
  });
  await backend.install();
  cleanups.push(async () => {
    await backend.close();
    await dropSchema(schema);
  });
  const withClient = async <T>(fn: (c: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: postgresDsn() });
    await client.connect();
    try {
      await client.query(`SET search_path = "${schema}"`);
      return await fn(client);
    } finally {
      await client.end();
    }
  };
  return {
    backend,
    exec: (sql) => withClient(async (c) => void (await c.query(sql))),
    rows: <R>(sql: string) => withClient(async (c) => (await c.query(sql)).rows as R[]),
  };
}

async function verifyError(b: StoreBackend): Promise<string> {
  const err = (await b.verify().then(
    () => undefined,
    (e: unknown) => e,
  )) as { code?: string; message?: string } | undefined;
  expect(err?.code).toBe("SCHEMA_VALIDATION");
  return err?.message ?? "";
}

const CLAIM_INDEX = { sqlite: "idx_messages_claim", postgres: "idx_pgqrs_messages_claim" } as const;

describe.each(BACKENDS)("verify() on %s", (name) => {
  it("fails on a database missing a column the engine uses, naming it", async () => {
    const db = await installed(name);
    await db.backend.verify();
    await db.exec(
      name === "sqlite"
        ? "ALTER TABLE pgqrs_messages DROP COLUMN dead_lettered_at"
        : "ALTER TABLE pgqrs_messages DROP COLUMN dead_lettered_at CASCADE",
    );
    expect(await verifyError(db.backend)).toContain("pgqrs_messages.dead_lettered_at");
  });

  it("fails on a database missing an index the engine uses, naming it", async () => {
    const db = await installed(name);
    await db.exec(`DROP INDEX ${CLAIM_INDEX[name]}`);
    expect(await verifyError(db.backend)).toContain(CLAIM_INDEX[name]);
  });

  it("checks exactly the columns of a fresh install", async () => {
    const db = await installed(name);
    for (const [table, columns] of Object.entries(REQUIRED_COLUMNS)) {
      const actual =
        name === "sqlite"
          ? await db.rows<{ name: string }>(`SELECT name FROM pragma_table_info('${table}')`)
          : await db.rows<{ name: string }>(
              `SELECT attname AS name FROM pg_attribute WHERE attrelid = '${table}'::regclass AND attnum > 0
                AND NOT attisdropped`,
            );
      expect(actual.map((r) => r.name).sort(), table).toEqual([...columns].sort());
    }
  });
});

describe("verify() index definitions", () => {
  it("SQLite: checks exactly the indexes of a fresh install, and pgqrs's index names with their definitions", async () => {
    const db = await installed("sqlite");
    const names = await db.rows<{ name: string }>(
      "SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_autoindex_%'",
    );
    const created = INDEXES.filter((i) => i.onlyWherePgqrsCreatedIt !== true);
    expect(names.map((r) => r.name).sort()).toEqual(created.map((i) => i.name).sort());
    // What earlier releases of this package created under pgqrs's name.
    await db.exec(
      `CREATE INDEX idx_messages_hot_path ON pgqrs_messages(queue_id, enqueued_at, id, vt) WHERE archived_at IS NULL`,
    );
    expect(await verifyError(db.backend)).toContain(
      "index idx_messages_hot_path is pgqrs_messages (queue_id, enqueued_at, id, vt) WHERE archived_at IS NULL, " +
        "expected pgqrs_messages (queue_id, vt, enqueued_at, id) WHERE archived_at IS NULL",
    );
  });

  it("SQLite: fails when a delete no longer cascades to workflow runs", async () => {
    const db = await installed("sqlite");
    // pgqrs's runs table: the message foreign key without ON DELETE CASCADE, and none of our triggers.
    await db.exec(`PRAGMA foreign_keys = OFF;
      CREATE TABLE runs_copy AS SELECT * FROM pgqrs_workflow_runs;
      DROP TABLE pgqrs_workflow_runs;
      CREATE TABLE pgqrs_workflow_runs (id INTEGER PRIMARY KEY AUTOINCREMENT,
        workflow_id INTEGER NOT NULL REFERENCES pgqrs_workflows(id) ON DELETE CASCADE,
        message_id INTEGER NOT NULL UNIQUE REFERENCES pgqrs_messages(id), status TEXT NOT NULL, input TEXT,
        output TEXT, error TEXT, created_at TEXT NOT NULL DEFAULT (datetime('now')),
        updated_at TEXT NOT NULL DEFAULT (datetime('now')), started_at TEXT, paused_at TEXT, completed_at TEXT,
        worker_id INTEGER REFERENCES pgqrs_workers(id),
        parent_run_id INTEGER REFERENCES pgqrs_workflow_runs(id) ON DELETE SET NULL, idempotency_key TEXT,
        waiting_for TEXT, attempts INTEGER NOT NULL DEFAULT 0,
        forked_from_run_id INTEGER REFERENCES pgqrs_workflow_runs(id) ON DELETE SET NULL, version TEXT);
      CREATE INDEX idx_workflow_runs_message_id ON pgqrs_workflow_runs(message_id);
      CREATE INDEX idx_workflow_runs_status ON pgqrs_workflow_runs(status);
      CREATE INDEX idx_workflow_runs_created ON pgqrs_workflow_runs(created_at, id);
      CREATE INDEX idx_workflow_runs_workflow_created ON pgqrs_workflow_runs(workflow_id, created_at, id);
      CREATE INDEX idx_workflow_runs_status_created ON pgqrs_workflow_runs(status, created_at, id);
      CREATE UNIQUE INDEX idx_workflow_runs_idempotency ON pgqrs_workflow_runs(workflow_id, idempotency_key)
        WHERE idempotency_key IS NOT NULL;
      CREATE INDEX idx_workflow_runs_parent ON pgqrs_workflow_runs(parent_run_id) WHERE parent_run_id IS NOT NULL;
      CREATE INDEX idx_workflow_runs_forked_from ON pgqrs_workflow_runs(forked_from_run_id)
        WHERE forked_from_run_id IS NOT NULL;
      CREATE INDEX idx_workflow_runs_version_created ON pgqrs_workflow_runs(version, created_at, id)
        WHERE version IS NOT NULL;`);
    expect(await verifyError(db.backend)).toContain(
      "deleting from pgqrs_messages does not delete its pgqrs_workflow_runs rows",
    );
  });

  it("PostgreSQL: checks every index of a fresh install that is not a key's", async () => {
    const db = await installed("postgres");
    const names = await db.rows<{ name: string }>(
      `SELECT i.relname AS name FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
         JOIN pg_class t ON t.oid = x.indrelid
        WHERE t.relnamespace = current_schema()::regnamespace AND t.relname LIKE 'pgqrs\\_%'
          AND t.relname <> 'pgqrs_migrations'
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)`,
    );
    expect(names.map((r) => r.name).sort()).toEqual([...REQUIRED_INDEXES].sort());
  });
});
