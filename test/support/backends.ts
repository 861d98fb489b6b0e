/**
 * The backends the tests run against, read from the backend registry, and a fresh database of each: a new temp file
 * (SQLite, Turso) or a new schema (Postgres), so test files never share state.
 *
 * `PGQRS_TEST_BACKENDS` (comma-separated kinds, e.g. `turso` or `sqlite,postgres`) narrows every list below; unset,
 * the conformance suite runs against every registered backend.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { BACKEND_DEFINITIONS, type BackendKind, findBackend } from "../../src/store/backend-registry.js";
import { freshS3SuiteDsn } from "./s3-suite.js";

export type BackendName = BackendKind;

/** A test database of one backend: the SQL dialect its raw statements use, and how to make and drop one. */
interface DatabaseFixture {
  /** Which of a {@link import("./raw-sql.js").DialectSql}'s statements runs on it. */
  dialect: "sqlite" | "postgres";
  /** DSN and schema of a fresh database. */
  fresh(): { dsn: string; schema: string };
  /** Remove what `fresh` made that outlives the test process (a Postgres schema); best effort. */
  drop(schema: string): Promise<void>;
}

const FIXTURES: Partial<Record<string, DatabaseFixture>> = {
  sqlite: {
    dialect: "sqlite",
    fresh: () => ({ dsn: `sqlite://${freshSqlitePath()}`, schema: "public" }),
    drop: async () => undefined,
  },
  turso: {
    dialect: "sqlite",
    fresh: () => ({ dsn: `turso://${freshSqlitePath()}`, schema: "public" }),
    drop: async () => undefined,
  },
  s3: {
    dialect: "sqlite",
    fresh: () => ({ dsn: freshS3SuiteDsn(), schema: "public" }),
    drop: async () => undefined,
  },
  postgres: {
    dialect: "postgres",
    fresh: () => ({ dsn: postgresDsn(), schema: uniqueName("s") }),
    drop: (schema) => dropSchema(schema),
  },
};

function fixture(backend: BackendName): DatabaseFixture {
  const found = FIXTURES[backend];
  if (found === undefined) {
    throw new Error(`no test database for the registered backend "${backend}": add one to test/support/backends.ts`);
  }
  return found;
}

/** The kinds PGQRS_TEST_BACKENDS names (all of `kinds` when unset), in `kinds`' order. */
function selected(kinds: readonly BackendName[]): readonly BackendName[] {
  const env = process.env.PGQRS_TEST_BACKENDS?.trim();
  if (!env) return kinds;
  const wanted = env.split(",").map((k) => k.trim());
  const registered: readonly string[] = BACKEND_DEFINITIONS.map((b) => b.kind);
  for (const k of wanted) {
    if (!registered.includes(k)) throw new Error(`PGQRS_TEST_BACKENDS names "${k}", not a registered backend`);
  }
  return kinds.filter((k) => wanted.includes(k));
}

/** Every registered backend: the conformance suite (test/conformance) runs each behaviour against each. */
export const EVERY_BACKEND: readonly BackendName[] = selected(BACKEND_DEFINITIONS.map((b) => b.kind));

/**
 * The backends of the suites beside conformance (CLI, dashboard, docs, store): SQLite and PostgreSQL. Those tests
 * run CLIs and workers in other processes beside the test's own store, which a backend with
 * `processesPerDatabase: "one"` refuses.
 */
export const BACKENDS: readonly SqliteOrPostgres[] = selected(["sqlite", "postgres"]).filter(
  (k): k is SqliteOrPostgres => k === "sqlite" || k === "postgres",
);

/** The kinds of {@link BACKENDS}. */
export type SqliteOrPostgres = "sqlite" | "postgres";

/** The registered capabilities of a backend (as its stores report them). */
export function capabilitiesOf(backend: BackendName) {
  const definition = BACKEND_DEFINITIONS.find((b) => b.kind === backend);
  if (definition === undefined) throw new Error(`"${backend}" is not a registered backend`);
  return definition.capabilities;
}

/** Whether several processes may open one database of the backend (crash tests, CLIs beside a store). */
export function manyProcesses(backend: BackendName): boolean {
  return capabilitiesOf(backend).processesPerDatabase === "many";
}

/** The SQL dialect of raw statements on the backend's databases. */
export function dialectOf(backend: BackendName): "sqlite" | "postgres" {
  return fixture(backend).dialect;
}

/** The local file a file backend's DSN names (through the registry's `parseDsn`); throws for a server's DSN. */
export function databaseFile(dsn: string): string {
  const file = findBackend(dsn)?.parseDsn(dsn).file;
  if (file === undefined) throw new Error(`${dsn} names no local database file`);
  return file;
}

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
  return fixture(backend).fresh();
}

/** Drop what {@link freshDatabase} made for the backend (a Postgres schema; nothing for a file). */
export function dropDatabase(backend: BackendName, schema: string): Promise<void> {
  return fixture(backend).drop(schema);
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
