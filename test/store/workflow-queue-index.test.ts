/**
 * A workflow found by its queue on PostgreSQL. A trigger handed to an idle worker and a workflow worker's claim both
 * create or start a run, and join `pgqrs_workflows` on `queue_id` to find its workflow. pgqrs's PostgreSQL schema
 * indexes that table by name only, so with many workflows defined each of those statements read the whole table;
 * migration 0019 adds `idx_pgqrs_workflows_queue_id` (pgqrs's SQLite schema has the same index). Checked on the plans
 * with 2,000 other workflows defined and the table analysed, under the generic plan a prepared statement ends up
 * with. The hand-off also decides whether it may lease the message once: its three checks (nothing claimable first,
 * the worker still ready, no limits on the queue) are planned once, not once per use of their result.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { dequeueAndStartRunsStatement } from "../../src/store/postgres/postgres-run-claims.js";
import { enqueueAndStartRunSql } from "../../src/store/postgres/postgres-run-handoff.js";
import { uniqueName } from "../support/backends.js";
import { openPlanHarness, type PlanHarness } from "../support/generic-plans.js";

const OTHER_WORKFLOWS = 2_000;

describe("a workflow found by its queue on PostgreSQL, with 2,000 workflows defined", () => {
  const schema = uniqueName("wqi");
  let h: PlanHarness;
  let queueId = 0;

  beforeAll(async () => {
    h = await openPlanHarness(schema, async (store) => {
      const def = pgqrs.defineWorkflow({ name: "wqi_flow" }, async () => 1);
      await pgqrs.workflow().name(def).create(store);
    });
    const q = `"${schema}"`;
    await h.raw.query(
      `INSERT INTO ${q}.pgqrs_queues (queue_name) SELECT 'other_' || g FROM pg_catalog.generate_series(1, $1) g`,
      [OTHER_WORKFLOWS],
    );
    await h.raw.query(
      `INSERT INTO ${q}.pgqrs_workflows (name, queue_id)
       SELECT queue_name, id FROM ${q}.pgqrs_queues WHERE queue_name LIKE 'other\\_%'`,
    );
    await h.raw.query(`ANALYZE ${q}.pgqrs_workflows`);
    const { rows } = await h.raw.query<{ queue_id: string }>(
      `SELECT queue_id FROM ${q}.pgqrs_workflows WHERE name = 'wqi_flow'`,
    );
    queueId = Number(rows[0]?.queue_id);
  }, 120_000);

  afterAll(async () => {
    await h?.close();
  });

  const t = "'2026-01-01T00:00:00Z'";

  it("has the workflows' count it was set up with", async () => {
    const { rows } = await h.raw.query<{ n: string }>(
      `SELECT pg_catalog.count(*) AS n FROM "${schema}".pgqrs_workflows`,
    );
    expect(Number(rows[0]?.n)).toBe(OTHER_WORKFLOWS + 1);
  });

  it("a trigger handed to a worker finds its workflow through the queue index and checks the lease once", async () => {
    // $1 queue, $2 payload, $3 enqueued at, $4 lease end, $5 producer, $6 consumer, $7 claim time, $8 maxReadCt,
    // $9 visible at, $10 origin suffix, $11 priority, $12 group key, $13 headers.
    const args = [String(queueId), "'{}'", t, t, "NULL", "1", t, "5", t, "''", "0", "NULL", "NULL"];
    const plan = await h.plan("wqi_handoff", enqueueAndStartRunSql(h.conn), args);
    expect(plan).toMatch(/\$\d+/);
    expect(plan).not.toMatch(/Seq Scan on pgqrs_workflows/);
    expect(plan).toMatch(/using idx_pgqrs_workflows_queue_id on pgqrs_workflows/);
    // The worker's status, the queue's limits and the claimable backlog: one probe each.
    expect(plan.match(/using pgqrs_workers_pkey on pgqrs_workers/g)?.length).toBe(1);
    expect(plan.match(/on pgqrs_queue_settings/g)?.length).toBe(1);
    expect(plan.match(/InitPlan/g)?.length).toBe(3);
  });

  it("a workflow worker's claim starts its runs through the queue index", async () => {
    // $1 queue, $2 now, $3 maxReadCt, $4 limit, $5 lease end, $6 worker.
    const args = [String(queueId), t, "5", "16", t, "1"];
    const plan = await h.plan("wqi_claim", dequeueAndStartRunsStatement(h.conn), args);
    expect(plan).toMatch(/\$\d+/);
    expect(plan).not.toMatch(/Seq Scan on pgqrs_workflows/);
    expect(plan).toMatch(/using idx_pgqrs_workflows_queue_id on pgqrs_workflows/);
  });
});
