/**
 * The workflow primitives on PostgreSQL (issue 15): migration 0008 over a schema at 0007 with data (old rows read as
 * plain steps and runs without a parent). The store and the shared setups are in run-primitives-postgres-support.ts;
 * the contract both backends share is in run-primitives-contract-*.test.ts.
 */
import { describe, expect, it } from "vitest";
import { loadMigrations, renderMigration } from "../../src/store/postgres/postgres-migrations.js";
import { createPostgresBackend } from "../../src/store/postgres/postgres-store.js";
import { dropSchema, postgresDsn, uniqueName } from "../support/backends.js";
import { usePrimitivesSchema } from "./run-primitives-postgres-support.js";

const fx = usePrimitivesSchema();
const { raw } = fx;

describe("workflow primitives on PostgreSQL", () => {
  const { t } = fx;

  it("0008 applies over a schema at 0007 with data: old rows are plain steps and runs without parent", async () => {
    const old = uniqueName("prim_old");
    const c = await raw();
    await c.query(`CREATE SCHEMA "${old}"`);
    await c.query(`CREATE TABLE "${old}".pgqrs_migrations (version INT PRIMARY KEY, name TEXT NOT NULL,
      applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`);
    for (const m of (await loadMigrations()).filter((m) => m.version <= 7)) {
      await c.query(renderMigration(m, `"${old}"`));
      await c.query(`INSERT INTO "${old}".pgqrs_migrations (version, name) VALUES ($1, $2)`, [m.version, m.name]);
    }
    // Rows as a 0007 release (or pgqrs) wrote them.
    const [row] = (
      await c.query(
        `WITH qu AS (INSERT INTO "${old}".pgqrs_queues (queue_name) VALUES ('old_flow') RETURNING id),
         wf AS (INSERT INTO "${old}".pgqrs_workflows (name, queue_id) SELECT 'old_flow', id FROM qu RETURNING id),
         m AS (INSERT INTO "${old}".pgqrs_messages (queue_id, payload) SELECT id, '{"input":1}' FROM qu RETURNING id),
         r AS (INSERT INTO "${old}".pgqrs_workflow_runs (workflow_id, message_id, status, input)
               SELECT wf.id, m.id, 'RUNNING', '{"input":1}' FROM wf, m RETURNING id)
         INSERT INTO "${old}".pgqrs_workflow_steps (run_id, step_name, status)
         SELECT id, 'old', 'SUCCESS' FROM r RETURNING run_id`,
      )
    ).rows as { run_id: number }[];
    const run = { id: Number(row!.run_id) };
    const store = await createPostgresBackend({
      connectionString: postgresDsn(),
      schema: old,
      maxConnections: 2,
      connectionTimeoutMs: 5_000,
    });
    try {
      await store.install();
      await store.verify();
      expect(await store.getRun(run.id)).toMatchObject({ id: run.id, parentRunId: null, waitingFor: null });
      expect(await store.getStep({ runId: run.id, stepName: "old" })).toMatchObject({ kind: "step" });
      const versions = await c.query(`SELECT version FROM "${old}".pgqrs_migrations ORDER BY version`);
      expect(versions.rows.map((r: { version: number }) => r.version)).toContain(8);
      await store.sendRunMessage({
        runId: run.id,
        topic: "t",
        payload: "1",
        idempotencyKey: null,
        senderRunId: null,
        now: t(),
      });
      expect((await store.listRunMessages({ runId: run.id })).length).toBe(1);
    } finally {
      await store.close();
      await dropSchema(old);
    }
  });
});
