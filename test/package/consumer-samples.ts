/**
 * The programs the package tests compile and run in consumer projects, as a user writes them against the
 * published package: each prints one JSON line the test reads.
 */

/** A queue round trip; `connectOther` must fail because the other backend's driver is not installed. */
function queueRoundTrip(connect: string, connectOther: string, afterClose = ""): string {
  return `import * as pgqrs from "pgqrs";

interface Email {
  to: string;
}

// The error code is part of the published union.
const expected: pgqrs.PgqrsErrorCode = "DRIVER_NOT_INSTALLED";

async function main(): Promise<void> {
  ${connect}
  await pgqrs.admin(store).install();
  await pgqrs.admin(store).createQueue("emails", { ifNotExists: true });
  const producer = await store.producer("emails");
  const email: Email = { to: "ada@example.com" };
  await producer.enqueue(email);
  const consumer = await store.consumer("emails");
  const messages = await consumer.dequeue({ batchSize: 10, vtSeconds: 30 });
  const sent = messages.map((m) => (m.payload as Email).to);
  const archived = await consumer.archiveMany(messages.map((m) => m.id));
  const backend = store.backendName();
  await store.close();${afterClose}

  const other: unknown = await ${connectOther}.then(
    () => "connected",
    (err: unknown) => err,
  );
  const missing = pgqrs.isPgqrsError(other)
    ? { code: other.code, message: other.message, isExpected: other.code === expected }
    : String(other);
  console.log(JSON.stringify({ backend, sent, archived, missing }));
}

await main();
`;
}

/** SQLite user: a real file named by the first argument; PostgreSQL is not installed. */
export const SQLITE_SAMPLE = queueRoundTrip(
  `const file = process.argv[2];
  if (file === undefined) throw new Error("usage: node out/sample.js <file.db>");
  const store = await pgqrs.connect(\`sqlite://\${file}\`);`,
  `pgqrs.connect("postgresql://pgqrs@127.0.0.1:9/none")`,
);

/** PostgreSQL user: PGQRS_TEST_DSN, the schema named by the first argument, a pg.Pool of its own. */
export const POSTGRES_SAMPLE = queueRoundTrip(
  `const dsn = process.env.PGQRS_TEST_DSN;
  const schema = process.argv[2];
  if (dsn === undefined || schema === undefined) throw new Error("usage: PGQRS_TEST_DSN=… node out/sample.js <schema>");
  // Your own pool is accepted as is (pgqrs's types describe it without importing pg).
  const pool = new pg.Pool({ connectionString: dsn, max: 2 });
  const store = await pgqrs.connect(dsn, { pool, schema });`,
  `pgqrs.connect("sqlite::memory:")`,
  "\n  await pool.end();",
).replace('import * as pgqrs from "pgqrs";', 'import pg from "pg";\nimport * as pgqrs from "pgqrs";');

/** A CommonJS program: `require("pgqrs")`, a SQLite file named by the first argument. */
export const COMMONJS_SAMPLE = `"use strict";
const pgqrs = require("pgqrs");
const { version } = require("pgqrs/package.json");

async function main() {
  const store = await pgqrs.connect("sqlite://" + process.argv[2]);
  await pgqrs.admin(store).install();
  await pgqrs.admin(store).createQueue("jobs", { ifNotExists: true });
  const producer = await store.producer("jobs");
  await producer.enqueue({ n: 1 });
  const consumer = await store.consumer("jobs");
  const messages = await consumer.dequeue({ batchSize: 5 });
  await consumer.archiveMany(messages.map((m) => m.id));
  await store.close();
  const other = await pgqrs.connect("postgresql://pgqrs@127.0.0.1:9/none").then(() => null, (err) => err);
  console.log(JSON.stringify({
    version,
    isError: other instanceof pgqrs.PgqrsError,
    code: other && other.code,
    message: other && other.message,
    payloads: messages.map((m) => m.payload),
  }));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
`;
