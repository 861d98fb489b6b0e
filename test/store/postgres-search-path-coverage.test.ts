/**
 * Search-path shadowing (CVE-2018-1058 pattern), PostgreSQL only, in a database where a hostile role with CREATE on
 * `public` put same-named functions, aggregates and operators (test/support/search-path-attack.ts): every pg_catalog
 * function the SQL calls has a shadow, docs/security.md's query finds the attacker, and the qualified comparisons
 * still use their indexes. That none of the shadows ever runs: postgres-search-path-runs.test.ts. See
 * docs/security.md ("Schemas on the search_path").
 */
import { readFileSync } from "node:fs";
import type pg from "pg";
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { uniqueName } from "../support/backends.js";
import { dsn, shadowedDatabase, sql } from "../support/search-path-attack.js";
import { FUNCTION_SHADOWS, UNSHADOWABLE } from "../support/search-path-shadow-functions.js";
import { catalogFunctionNames, postgresSqlSources } from "../support/sql-scan.js";

const { DB, ATTACKER, OWNER, WORKER, loot } = shadowedDatabase();

describe("search-path shadowing (PostgreSQL)", () => {
  it("every pg_catalog function the SQL calls has a shadow (or cannot be shadowed)", () => {
    const used = [...catalogFunctionNames(postgresSqlSources())];
    const missing = used.filter((name) => FUNCTION_SHADOWS[name] === undefined && !UNSHADOWABLE.has(name));
    expect(missing, "add shadows for these to test/support/search-path-shadow-functions.ts").toEqual([]);
  });

  it("docs/security.md's query names the schema on the search_path that the attacker can write", async () => {
    const doc = readFileSync(new URL("../../docs/security.md", import.meta.url), "utf8");
    const query = /```sql\n([^`]*has_schema_privilege[^`]*)```/.exec(doc)?.[1];
    expect(query).toBeDefined();
    const rows = (await sql(WORKER, DB, query as string)).rows as { schema: string; can_create: string }[];
    expect(rows).toContainEqual({ schema: "public", can_create: ATTACKER });
  });

  it("the qualified comparisons still use their indexes (EXPLAIN, with the shadows in place)", async () => {
    const schema = uniqueName("sp_plan").toLowerCase();
    const owner = await pgqrs.connect(dsn(OWNER, DB), { schema });
    await pgqrs.admin(owner).install();
    await owner.close();
    const s = `"${schema}"`;
    const plans: Record<string, string> = {
      pgqrs_queues_queue_name_key: `SELECT id FROM ${s}.pgqrs_queues WHERE queue_name OPERATOR(pg_catalog.=) $1`,
      idx_pgqrs_workflows_name: `SELECT id FROM ${s}.pgqrs_workflows WHERE name OPERATOR(pg_catalog.=) $1`,
      pgqrs_workflow_steps_run_id_step_name_key: `SELECT id FROM ${s}.pgqrs_workflow_steps
        WHERE run_id = 1 AND step_name OPERATOR(pg_catalog.=) $1`,
      idx_pgqrs_workers_queue_status: `SELECT id FROM ${s}.pgqrs_workers
        WHERE queue_id = 1 AND status OPERATOR(pg_catalog.=) ANY ('{ready,polling}')`,
      idx_pgqrs_workflow_runs_status: `SELECT id FROM ${s}.pgqrs_workflow_runs
        WHERE status OPERATOR(pg_catalog.=) ANY ('{QUEUED,PAUSED}')`,
    };
    for (const [index, statement] of Object.entries(plans)) {
      const plan = await sql(OWNER, DB, `SET enable_seqscan = off; EXPLAIN ${statement.replace("$1", "'x'")}`);
      const text =
        (plan as unknown as pg.QueryResult[])
          .at(-1)
          ?.rows.map((r) => r["QUERY PLAN"])
          .join("\n") ?? "";
      expect(text, statement).toContain(index);
    }
    expect(await loot()).toEqual([]);
  });
});
