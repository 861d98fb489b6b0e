/**
 * Postgres schemas and borrowed pools: two schemas in one database keep their rows apart, and a store on a
 * user-supplied pool leaves the pool open on close. Runs against a real server.
 */
import pg from "pg";
import { describe, expect, it } from "vitest";
import { createPostgresBackend } from "../../src/store/postgres/postgres-store.js";
import { postgresDsn } from "../support/backends.js";
import { queueWithOneMessage, usePostgresSpecificBackends } from "./postgres-specific-support.js";

const { backend, freshSchema } = usePostgresSpecificBackends();

describe("schemas", () => {
  it("two schemas in one database do not see each other's rows", async () => {
    const a = await backend(freshSchema());
    const b = await backend(freshSchema());
    await Promise.all([a.install(), b.install()]);
    const now = new Date();
    const qa = await a.createQueue({ name: "shared-name", now });
    const qb = await b.createQueue({ name: "shared-name", now });
    await a.enqueue({
      queueId: qa.id,
      payloads: ['{"from":"a"}'],
      producerWorkerId: null,
      enqueuedAt: now,
      visibleAt: now,
    });
    expect(await a.countMessages({ queueId: qa.id })).toBe(1);
    expect(await b.countMessages({ queueId: qb.id })).toBe(0);
    expect((await b.listQueues()).map((q) => q.queueName)).toEqual(["shared-name"]);
  });

  it("works with a user-supplied pool and leaves it open on close", async () => {
    const pool = new pg.Pool({ connectionString: postgresDsn(), max: 3 });
    try {
      const schema = freshSchema();
      const b = await createPostgresBackend({ pool, schema, maxConnections: 1, connectionTimeoutMs: 5_000 });
      await b.install();
      const { q, m } = await queueWithOneMessage(b, "pooled");
      expect(m?.payload).toEqual({ n: 1 });
      expect(typeof m?.id).toBe("number");
      await b.close();
      await expect(b.getQueueById(q.id)).rejects.toMatchObject({ code: "STORE_CLOSED" });
      const rows = await pool.query(`SELECT count(*)::int AS n FROM "${schema}".pgqrs_messages`);
      expect(rows.rows[0]).toEqual({ n: 1 });
    } finally {
      await pool.end();
    }
  });
});
