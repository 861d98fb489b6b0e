/**
 * Run listings are index-backed (issue 16, item 3): on a table of 100,000 runs (and 20,000 steps), every filter
 * combination of `listRunsPage` (workflow, a common and a rare status, since, until, a page key) and `listSteps`
 * plans without a sequential scan of runs or steps: EXPLAIN of the statements the PostgreSQL backend actually sends
 * (analysed tables, the planner free to choose), EXPLAIN QUERY PLAN of the SQLite statements.
 */
import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPostgresBackend } from "../../src/store/postgres/postgres-store.js";
import type { ListRunsPageParams, RunPageKey } from "../../src/store/run-queries.js";
import { listRunsPageStatement } from "../../src/store/sqlite/sqlite-run-queries.js";
import { createSqliteBackend } from "../../src/store/sqlite/sqlite-store.js";
import type { StoreBackend } from "../../src/store/store.js";
import type { WorkflowStatus } from "../../src/types.js";
import { dropSchema, freshSqlitePath, postgresDsn, uniqueName } from "../support/backends.js";

const RUNS = 100_000;
const BASE = Date.parse("2026-01-01T00:00:00.000Z");
/** Run g (1…RUNS) is created at BASE + g seconds. */
const at = (g: number) => new Date(BASE + g * 1_000);

/**
 * Every combination of the filters: no workflow or one; no status, a common one (SUCCESS, 96%) or a rare one (ERROR,
 * 1%); since and until absent or in the middle; from the newest or after a page key; no version or a rare one (v2, 2%).
 */
function combinations(workflowId: number, key: RunPageKey): ListRunsPageParams[] {
  const out: ListRunsPageParams[] = [];
  for (const wf of [undefined, workflowId])
    for (const status of [undefined, "SUCCESS", "ERROR"] as (WorkflowStatus | undefined)[])
      for (const since of [undefined, at(RUNS / 4)])
        for (const until of [undefined, at((RUNS * 3) / 4)])
          for (const after of [undefined, key])
            for (const version of [undefined, "v2"]) {
              out.push({
                limit: 51,
                ...(wf === undefined ? {} : { workflowId: wf }),
                ...(status === undefined ? {} : { status }),
                ...(since === undefined ? {} : { since }),
                ...(until === undefined ? {} : { until }),
                ...(after === undefined ? {} : { after }),
                ...(version === undefined ? {} : { version }),
              });
            }
  return out;
}

/** `CASE` of the status of run g: 1% ERROR, 1% PAUSED, 1% RUNNING, 1% QUEUED, the rest SUCCESS (99 is prime to the 4 workflows). */
const statusOf = (g: string) =>
  `CASE ${g} % 99 WHEN 0 THEN 'ERROR' WHEN 1 THEN 'PAUSED' WHEN 2 THEN 'RUNNING' WHEN 3 THEN 'QUEUED' ELSE 'SUCCESS' END`;

describe("run listings on PostgreSQL plan no sequential scan of runs or steps", () => {
  const schema = uniqueName("plan");
  const q = `"${schema}"`;
  let pool: pg.Pool;
  let b: StoreBackend;
  let raw: pg.Client;
  let last: { text: string; values: unknown[] } | undefined;

  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: postgresDsn(), max: 2 });
    pool.on("connect", (client) => {
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
        const config = args[0] as { text?: string; values?: unknown[] };
        if (typeof config === "object" && config !== null && typeof config.text === "string") {
          last = { text: config.text, values: config.values ?? [] };
        }
        return query(...args);
      };
    });
    b = await createPostgresBackend({ pool, schema, maxConnections: 2, connectionTimeoutMs: 5_000 });
    await b.install();
    raw = new pg.Client({ connectionString: postgresDsn() });
    await raw.connect();
  }, 120_000);

  afterAll(async () => {
    await raw?.end();
    await b?.close();
    await pool?.end();
    await dropSchema(schema);
  });

  it("for every filter combination and for a run's steps", async () => {
    const now = new Date(BASE);
    const wfs = [];
    for (const name of ["a", "b", "c", "d"]) wfs.push(await b.createWorkflow({ name, now }));
    await raw.query(
      `WITH m AS (
         INSERT INTO ${q}.pgqrs_messages (queue_id, payload, enqueued_at, vt, archived_at)
         SELECT $1, '{}', $3::timestamptz + g * interval '1 second', $3::timestamptz, $3::timestamptz
           FROM pg_catalog.generate_series(1, ${RUNS}) g
         RETURNING id),
       r AS (
         INSERT INTO ${q}.pgqrs_workflow_runs (workflow_id, message_id, status, input, created_at, updated_at,
                                               version)
         SELECT ($2::bigint[])[1 + (n % 4)], id, (${statusOf("n")})::${q}.pgqrs_workflow_status, '{"input":1}',
                $3::timestamptz + n * interval '1 second', $3::timestamptz, CASE WHEN n % 50 = 7 THEN 'v2' END
           FROM (SELECT id, pg_catalog.row_number() OVER (ORDER BY id) AS n FROM m) s
         RETURNING id)
       INSERT INTO ${q}.pgqrs_workflow_steps (run_id, step_name, status, created_at, updated_at)
       SELECT r.id, s.name, 'SUCCESS', $3::timestamptz, $3::timestamptz
         FROM r CROSS JOIN (VALUES ('one'), ('two')) s(name) WHERE r.id % 10 = 0`,
      [wfs[0]!.queueId, wfs.map((w) => w.id), now],
    );
    await raw.query(`ANALYZE ${q}.pgqrs_messages; ANALYZE ${q}.pgqrs_workflow_runs; ANALYZE ${q}.pgqrs_workflow_steps`);
    const counted = await raw.query(`SELECT pg_catalog.count(*)::int AS n FROM ${q}.pgqrs_workflow_runs`);
    expect(counted.rows[0].n).toBe(RUNS);

    const firstPage = await b.listRunsPage({ limit: 1_000 });
    expect(firstPage).toHaveLength(1_000);
    const key = firstPage.at(-1)!.key;
    const plans: { params: string; scans: string[] }[] = [];
    const explain = async () => {
      const sent = last!;
      const plan = await raw.query({ text: `EXPLAIN ${sent.text}`, values: sent.values });
      const lines = plan.rows.map((r: Record<string, string>) => r["QUERY PLAN"]).join("\n");
      if (process.env.PGQRS_SHOW_PLANS) console.log(lines);
      return (lines.match(/Seq Scan on pgqrs_workflow_(runs|steps)\b/g) ?? []) as string[];
    };
    for (const params of combinations(wfs[1]!.id, key)) {
      const rows = await b.listRunsPage(params);
      expect(rows.length).toBeGreaterThan(0);
      plans.push({ params: JSON.stringify(params), scans: await explain() });
    }
    await b.listSteps({ runId: firstPage[0]!.run.id });
    plans.push({ params: "listSteps", scans: await explain() });
    expect(plans.filter((p) => p.scans.length > 0)).toEqual([]);
    expect(plans).toHaveLength(97);
  }, 300_000);
});

describe("run listings on SQLite plan no full scan of runs or steps", () => {
  const path = freshSqlitePath();
  let b: StoreBackend;
  let db: Database.Database;

  beforeAll(async () => {
    b = createSqliteBackend({ path, useWal: true, busyTimeoutMs: 5_000 });
    await b.install();
    db = new Database(path);
    db.pragma("busy_timeout = 5000");
  });

  afterAll(async () => {
    db?.close();
    await b?.close();
  });

  it("for every filter combination and for a run's steps", async () => {
    const now = new Date(BASE);
    const wfs = [];
    for (const name of ["a", "b", "c", "d"]) wfs.push(await b.createWorkflow({ name, now }));
    const ids = wfs.map((w) => w.id);
    const stamp = (offset: string) => `strftime('%Y-%m-%d %H:%M:%f', '2026-01-01 00:00:00', ${offset}) || '000'`;
    db.exec(`WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < ${RUNS})
      INSERT INTO pgqrs_messages (queue_id, payload, enqueued_at, vt, read_ct, archived_at)
      SELECT ${wfs[0]!.queueId}, '{}', ${stamp("'+' || n || ' seconds'")}, '2026-01-01 00:00:00.000000', 1,
             '2026-01-01 00:00:00.000000' FROM g`);
    // One run per message, in message order: run g is created at BASE + g seconds.
    db.exec(`INSERT INTO pgqrs_workflow_runs
        (workflow_id, message_id, status, input, created_at, updated_at, version)
      SELECT CASE id % 4 WHEN 0 THEN ${ids[0]} WHEN 1 THEN ${ids[1]} WHEN 2 THEN ${ids[2]} ELSE ${ids[3]} END,
             id, ${statusOf("id")}, '{"input":1}', ${stamp("'+' || id || ' seconds'")}, '2026-01-01 00:00:00.000000',
             CASE WHEN id % 50 = 7 THEN 'v2' END
        FROM pgqrs_messages ORDER BY id`);
    db.exec(`INSERT INTO pgqrs_workflow_steps (run_id, step_name, status, created_at, updated_at)
      SELECT r.id, s.name, 'SUCCESS', r.created_at, r.created_at
        FROM pgqrs_workflow_runs r CROSS JOIN (SELECT 'one' AS name UNION ALL SELECT 'two') s WHERE r.id % 10 = 0`);
    expect(db.prepare("SELECT COUNT(*) AS n FROM pgqrs_workflow_runs").get()).toEqual({ n: RUNS });

    const firstPage = await b.listRunsPage({ limit: 1_000 });
    expect(firstPage).toHaveLength(1_000);
    const key = firstPage.at(-1)!.key;
    const scansOf = (sql: string, values: readonly unknown[], allowSort = false) => {
      const plan = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...values) as { detail: string }[];
      if (process.env.PGQRS_SHOW_PLANS) console.log(plan.map((p) => p.detail).join("\n"));
      // `SCAN t` reads the whole table; `SCAN t USING INDEX i` walks an index in order and stops at the LIMIT. A
      // temporary B-tree would sort every matching run before the first row comes back.
      return plan
        .map((p) => p.detail)
        .filter(
          (d) =>
            (/^SCAN (r|pgqrs_workflow_runs|pgqrs_workflow_steps)\b/.test(d) && !/USING (COVERING )?INDEX/.test(d)) ||
            (/TEMP B-TREE/.test(d) && !allowSort),
        );
    };
    const plans: { params: string; scans: string[] }[] = [];
    for (const params of combinations(ids[1]!, key)) {
      expect((await b.listRunsPage(params)).length).toBeGreaterThan(0);
      const { sql, values } = listRunsPageStatement(params);
      plans.push({ params: JSON.stringify(params), scans: scansOf(sql, values) });
    }
    plans.push({
      params: "listSteps",
      // A run's few steps, found by the (run_id, step_name) key and sorted.
      scans: scansOf("SELECT * FROM pgqrs_workflow_steps WHERE run_id = ? ORDER BY id", [firstPage[0]!.run.id], true),
    });
    expect(plans.filter((p) => p.scans.length > 0)).toEqual([]);
    expect(plans).toHaveLength(97);
  }, 300_000);
});
