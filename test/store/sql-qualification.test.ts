/**
 * Static guard against search-path shadowing (CVE-2018-1058 pattern): every function and aggregate the PostgreSQL
 * SQL calls is written `pg_catalog.name(…)`, so a same-named function in a schema the pgqrs role can see (`public`
 * on databases created before PostgreSQL 15) can never be chosen instead; and every comparison of a column whose
 * type has no operator of its own in pg_catalog (VARCHAR, the enums, information_schema's domains) names
 * `OPERATOR(pg_catalog.op)` or casts the column. Every operator is covered at run time by
 * test/store/postgres-search-path-runs.test.ts.
 */
import { describe, expect, it } from "vitest";
import { functionCalls, postgresSqlSources, shadowableComparisons, unsafeCalls } from "../support/sql-scan.js";

describe("PostgreSQL SQL qualification (static)", () => {
  const sources = postgresSqlSources();

  it("finds the SQL of every postgres file and migration", () => {
    const files = new Set(sources.map((s) => s.where.replace(/:\d+$/, "")));
    for (const f of ["postgres-message-leases.ts", "postgres-stats.ts", "postgres-workflows.ts", "0001_initial.sql"]) {
      expect([...files].some((w) => w.endsWith(f))).toBe(true);
    }
    expect(sources.length).toBeGreaterThan(50);
  });

  it("calls no function or aggregate through the search_path", () => {
    const unsafe = unsafeCalls(sources).map(
      (c) => `${c.where}: ${c.qualifier ?? ""}${c.qualifier ? "." : ""}${c.name}(…) in "${c.context}"`,
    );
    expect(unsafe, "qualify these with pg_catalog. (see docs/security.md, search_path)").toEqual([]);
  });

  it("compares no VARCHAR, enum or domain column with an operator resolved through the search_path", () => {
    const unsafe = shadowableComparisons(sources).map((c) => `${c.where}: "${c.context}"`);
    expect(unsafe, "use OPERATOR(pg_catalog.=) (or cast the column to text) here").toEqual([]);
  });

  it("the comparison scanner flags predicates, not assignments or casts", () => {
    const found = (sql: string) => shadowableComparisons([{ where: "t:1", sql }]).map((c) => c.column);
    expect(
      found(
        "UPDATE t SET status = 'x' WHERE queue_name = $1 AND (s.status IN ('a')) OR step_name LIKE $2 " +
          "AND status::text <> 'y' AND status OPERATOR(pg_catalog.=) 'z' AND CASE WHEN w.status <> 'q' THEN 1 END",
      ),
    ).toEqual(["queue_name", "s.status", "step_name", "w.status"]);
    expect(found("m.status = 'stopped' AND x")).toEqual(["m.status"]);
  });

  it("the scanner flags what it must and passes what it may", () => {
    const calls = (sql: string) => unsafeCalls([{ where: "t:1", sql }]).map((c) => c.name);
    expect(calls("SELECT count(*) FROM t WHERE x = ANY($1) AND y IN (1)")).toEqual(["count"]);
    expect(calls("SELECT unnest($1::bigint[]) AS t(id), nullif(a, b)")).toEqual(["unnest", "nullif"]);
    expect(calls("PERFORM pg_notify('c', md5(x))")).toEqual(["pg_notify", "md5"]);
    expect(calls("SELECT public.min(q.name) FROM __ts_expr__ q")).toEqual(["min"]);
    expect(calls("WITH p (a, b) AS (VALUES (1, 2)), m AS MATERIALIZED (SELECT f(1)) SELECT g(a) AS x FROM p")).toEqual([
      "f",
      "g",
    ]);
    expect(
      calls(
        "SELECT pg_catalog.count(*) FILTER (WHERE a), COALESCE(pg_catalog.min(n), 'x'), GREATEST(a, b) " +
          "FROM __ts_expr__ AS s (a, b) JOIN {{schema}}.t (x) ON TRUE -- f(x) in a comment\n" +
          "WHERE v = 'g(x)' AND c::VARCHAR(255) IS NOT NULL",
      ),
    ).toEqual([]);
    expect(functionCalls({ where: "t:1", sql: "SELECT pg_catalog.unnest($1)" })[0]?.qualifier).toBe("pg_catalog");
  });
});
