/**
 * Postgres error translation by SQLSTATE: duplicate queues (found, or refused by the server when racing),
 * unreachable servers without the password, and other server errors with every field kept on the cause. Runs
 * against a real server.
 */
import pg from "pg";
import { describe, expect, it } from "vitest";
import { PgqrsError } from "../../src/errors.js";
import { createPostgresBackend } from "../../src/store/postgres/postgres-store.js";
import { postgresDsn } from "../support/backends.js";
import { usePostgresSpecificBackends } from "./postgres-specific-support.js";

const { backend, freshSchema } = usePostgresSpecificBackends();

describe("error translation", () => {
  it("a duplicate queue is QUEUE_ALREADY_EXISTS: found before inserting, or the server's error when racing", async () => {
    const schema = freshSchema();
    const b = await backend(schema);
    await b.install();
    const now = new Date();
    await b.createQueue({ name: "dup", now });
    const err = await b.createQueue({ name: "dup", now }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PgqrsError);
    expect(err).toMatchObject({ code: "QUEUE_ALREADY_EXISTS", message: "Queue 'dup' already exists" });
    expect((err as PgqrsError).details).toEqual({ name: "dup" });
    // Racing another creator's uncommitted insert: the create waits on the unique index, then the server refuses it.
    const other = new pg.Client({ connectionString: postgresDsn() });
    await other.connect();
    try {
      await other.query("BEGIN");
      await other.query(`INSERT INTO "${schema}".pgqrs_queues (queue_name) VALUES ('raced')`);
      const racing = b.createQueue({ name: "raced", now }).catch((e: unknown) => e);
      await expect
        .poll(
          async () =>
            (
              await other.query(
                "SELECT count(*)::int AS n FROM pg_catalog.pg_stat_activity WHERE wait_event_type = 'Lock' AND strpos(query, $1) > 0",
                [schema],
              )
            ).rows[0].n,
          { timeout: 30_000 },
        )
        .toBe(1);
      await other.query("COMMIT");
      const raced = await racing;
      expect(raced).toMatchObject({ code: "QUEUE_ALREADY_EXISTS", message: "Queue 'raced' already exists" });
      expect((raced as PgqrsError).cause).toMatchObject({ code: "23505" });
    } finally {
      await other.end();
    }
  });

  it("an unreachable server is CONNECTION_FAILED without the password", async () => {
    const err = await createPostgresBackend({
      connectionString: "postgresql://someone:s3cret-pw@127.0.0.1:1/nowhere",
      schema: "public",
      maxConnections: 1,
      connectionTimeoutMs: 2_000,
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "CONNECTION_FAILED" });
    expect((err as Error).message).not.toContain("s3cret-pw");
    expect((err as Error).message).toContain("***");
  });

  it("other server errors are QUERY_FAILED with every server field kept on the cause", async () => {
    const b = await backend(freshSchema());
    await b.install();
    const err = await b.registerWorker({ name: "orphan", queueId: 987_654, now: new Date() }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "QUERY_FAILED", details: { code: "23503" } });
    expect((err as PgqrsError).cause).toMatchObject({ code: "23503", constraint: "fk_workers_queue_id" });
  });
});
