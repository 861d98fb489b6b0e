/**
 * A workflow worker's step-boundary statement looks up its runs and their steps one index probe per boundary, even
 * under the plan a connection caches on a new, never analysed schema. There the planner takes each parameter array
 * for 10 rows and each table for 10 pages, and one sequential scan (about 12 to 16 units) beats 10 probes of an
 * index (about 8 each) for `id = ANY ($1)`; the prepared statement then kept that plan while the tables grew, so in
 * a fresh deployment's first minute (until autovacuum's ANALYZE invalidates it) every boundary read the whole steps
 * table and the whole runs table: at 1,200 runs about 0.5 ms of a 0.8 ms statement. Looked up per boundary behind
 * `OFFSET 0` (a lateral sub-select the planner cannot flatten into a hash join), a probe (8) beats a scan (12 or
 * more) whatever the table's size, analysed or not. (The run outcomes' UPDATE of the runs table still joins by a
 * scan under that plan: an UPDATE's target cannot sit behind such a fence.)
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stepBoundaryStatements } from "../../src/store/postgres/postgres-step-boundary-statement.js";
import { uniqueName } from "../support/backends.js";
import { openPlanHarness, type PlanHarness } from "../support/generic-plans.js";

describe("step boundaries on PostgreSQL under a generic plan on never analysed tables", () => {
  let h: PlanHarness;

  beforeAll(async () => {
    h = await openPlanHarness(uniqueName("bgp"));
  }, 120_000);

  afterAll(async () => {
    await h?.close();
  });

  /** The generic plan's text of `sql` (prepared under `name`), for two acquisitions and one finish. */
  const genericPlan = async (name: string, sql: string): Promise<string> => {
    const t = "2026-01-01T00:00:00Z";
    const args = [
      "'{1,2}'",
      "'{a,b}'",
      `'{${t},${t}}'`,
      "'{o,o}'",
      "'{NULL,x}'",
      "'{NULL,1}'",
      "'{NULL,o}'",
      "'{3}'",
      "'{\"{RUNNING}\"}'",
      "'{SUCCESS}'",
      `'{${t}}'`,
      "'{t}'",
      "'{1}'",
      "'{f}'",
      "'{NULL}'",
      "'{7}'",
      "'{9}'",
      "'{c}'",
      "'{2}'",
      "'{o}'",
      "'{NULL}'",
    ];
    return h.plan(name, sql, args);
  };

  it.each(["durableSql", "asyncSql"] as const)("%s reads no step by a sequential scan", async (kind) => {
    const plan = await genericPlan(`boundary_${kind}`, stepBoundaryStatements(h.conn)[kind]);
    // Planned generically: the parameters are still symbols in the plan.
    expect(plan).toMatch(/ANY \(\$\d+\)/);
    expect(plan).not.toMatch(/Seq Scan on pgqrs_workflow_steps/);
    // The runs' statuses (checked before each acquisition) come from the primary key, one probe per boundary.
    expect(plan).toMatch(
      /Index Scan using pgqrs_workflow_runs_pkey on pgqrs_workflow_runs[^\n]*\n\s+Index Cond: \(id = /,
    );
    // The steps a boundary did not acquire are read by their (run_id, step_name) key.
    expect(plan).toMatch(/Index Scan using pgqrs_workflow_steps_run_id_step_name_key on pgqrs_workflow_steps/);
  });
});
