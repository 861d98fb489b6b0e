/**
 * Deleting a worker on PostgreSQL (`deleteWorker`, `purgeOldWorkers`) runs the foreign-key checks of the rows that
 * reference it: pgqrs_messages.consumer_worker_id (no action) and pgqrs_workflow_runs.worker_id (ON DELETE SET
 * NULL). Without an index on either, each deleted worker read both tables whole; migration 0020 adds partial indexes.
 * Checked on the generic plans of the statements PostgreSQL's foreign-key triggers run, with 20,000 archived
 * messages and 20,000 runs of 200 workers present and analysed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uniqueName } from "../support/backends.js";
import { openPlanHarness, type PlanHarness } from "../support/generic-plans.js";

const ROWS = 20_000;
const WORKERS = 200;

describe("the rows that reference a worker on PostgreSQL, found by index", () => {
  const schema = uniqueName("wri");
  const q = `"${schema}"`;
  let h: PlanHarness;

  beforeAll(async () => {
    h = await openPlanHarness(schema);
    const queue = await h.raw.query<{ id: string }>(
      `INSERT INTO ${q}.pgqrs_queues (queue_name) VALUES ('wri') RETURNING id`,
    );
    const queueId = queue.rows[0]?.id;
    await h.raw.query(`INSERT INTO ${q}.pgqrs_workflows (name, queue_id) VALUES ('wri', $1)`, [queueId]);
    // Each of 200 workers consumed 100 of the messages and started their runs.
    await h.raw.query(
      `INSERT INTO ${q}.pgqrs_workers (name, queue_id) SELECT 'w' || g, $1 FROM pg_catalog.generate_series(1, $2) g`,
      [queueId, WORKERS],
    );
    await h.raw.query(
      `INSERT INTO ${q}.pgqrs_messages (queue_id, payload, read_ct, consumer_worker_id, archived_at)
       SELECT $1, '{}', 1, w.id, pg_catalog.now()
         FROM ${q}.pgqrs_workers w CROSS JOIN pg_catalog.generate_series(1, $2)`,
      [queueId, ROWS / WORKERS],
    );
    await h.raw.query(
      `INSERT INTO ${q}.pgqrs_workflow_runs (workflow_id, message_id, status, worker_id)
       SELECT w.id, m.id, 'SUCCESS', m.consumer_worker_id
         FROM ${q}.pgqrs_workflows w CROSS JOIN ${q}.pgqrs_messages m`,
    );
    await h.raw.query(`ANALYZE ${q}.pgqrs_messages`);
    await h.raw.query(`ANALYZE ${q}.pgqrs_workflow_runs`);
  }, 120_000);

  afterAll(async () => {
    await h?.close();
  });

  it("has the rows it was set up with", async () => {
    const { rows } = await h.raw.query<{ n: string }>(
      `SELECT pg_catalog.count(*) AS n FROM ${q}.pgqrs_workflow_runs WHERE worker_id IS NOT NULL`,
    );
    expect(Number(rows[0]?.n)).toBe(ROWS);
  });

  it("the messages a deleted worker consumed, archived or not, are checked through an index", async () => {
    const plan = await h.plan(
      "wri_messages",
      `SELECT 1 FROM ONLY ${q}.pgqrs_messages x WHERE consumer_worker_id OPERATOR(pg_catalog.=) $1 FOR KEY SHARE OF x`,
      ["7"],
    );
    expect(plan).toMatch(/\$1/);
    expect(plan).not.toMatch(/Seq Scan on pgqrs_messages/);
    expect(plan).toMatch(/idx_pgqrs_messages_consumer_worker_id\b/);
  });

  it("the runs a deleted worker started are set NULL through an index", async () => {
    const plan = await h.plan(
      "wri_runs",
      `UPDATE ONLY ${q}.pgqrs_workflow_runs SET worker_id = NULL WHERE $1 OPERATOR(pg_catalog.=) worker_id`,
      ["7"],
    );
    expect(plan).toMatch(/\$1/);
    expect(plan).not.toMatch(/Seq Scan on pgqrs_workflow_runs/);
    expect(plan).toMatch(/idx_pgqrs_workflow_runs_worker_id\b/);
  });
});
