/**
 * The backends every conformance test runs against: a real SQLite file and a real Postgres schema.
 * Each call makes a fresh database (a new temp file, or a new schema) so test files never share state.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

export type BackendName = "sqlite" | "postgres";

export const BACKENDS: readonly BackendName[] = ["sqlite", "postgres"];

let counter = 0;

/** A unique name usable as a Postgres schema or a file stem. */
export function uniqueName(prefix = "t"): string {
  counter += 1;
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${counter}`;
}

export function postgresDsn(): string {
  const dsn = process.env.PGQRS_TEST_DSN;
  if (!dsn) throw new Error("PGQRS_TEST_DSN is not set; run the tests with `npm test`");
  return dsn;
}

/** A fresh SQLite file path in a new temp directory. */
export function freshSqlitePath(): string {
  return join(mkdtempSync(join(tmpdir(), "pgqrs-test-")), "test.db");
}

/** DSN and schema of a fresh database for the backend. */
export function freshDatabase(backend: BackendName): { dsn: string; schema: string } {
  if (backend === "sqlite") return { dsn: `sqlite://${freshSqlitePath()}`, schema: "public" };
  return { dsn: postgresDsn(), schema: uniqueName("s") };
}

/** Drop a test schema (best effort). */
export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: postgresDsn() });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
