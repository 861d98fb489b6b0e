/**
 * docs/guides/workflow-primitives.md, executed: on each backend its ```ts samples run in order, as written, in ONE
 * fresh database (SQLite file or Postgres database), and each must exit 0, print no "Error", and print every line
 * a `console.log(…); // expected` comment announces, in order; then its ```sql queries run against what the samples
 * left in that database. Samples import "pgqrs", which resolves to the built dist/ (npm test builds first); their
 * "three days later" is a ManualClock moved by hand, so nothing sleeps.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { describe, expect, it, vi } from "vitest";
import { BACKENDS, type BackendName } from "../support/backends.js";
import { expectedOutput, fencedBlocks, itRunsEachSample, useSampleDatabase } from "./sample-support.js";

vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });

const ROOT = process.cwd();
const GUIDE = "docs/guides/workflow-primitives.md";

const markdown = readFileSync(join(ROOT, GUIDE), "utf8");
const samples = fencedBlocks(markdown, /^(ts|typescript)$/).map((b) => ({ name: `${GUIDE}:${b.line}`, ...b }));
const queries = fencedBlocks(markdown, /^sql$/).flatMap((b) =>
  b.code
    .split(/;\s*(?:\n|$)/)
    .map((s) =>
      s
        .split("\n")
        .filter((l) => !l.trimStart().startsWith("--"))
        .join("\n")
        .trim(),
    )
    .filter((s) => s.length > 0),
);

describe("the workflow primitives guide", () => {
  it("has one sample per primitive, each announcing its output, and SQL to inspect the rows", () => {
    const code = samples.map((s) => s.code).join("\n");
    for (const api of [
      "run.recv",
      "pgqrs.send",
      "timeoutMs",
      "run.sleep",
      "run.startChild",
      "child.result()",
      "run.callChild",
      "CHILD_FAILED",
      "run.setEvent",
      "pgqrs.getEvent",
      ".idempotencyKey(",
      "waitingFor",
      "ManualClock",
    ]) {
      expect(code, api).toContain(api);
    }
    expect(samples.length).toBeGreaterThanOrEqual(5);
    for (const s of samples) expect(expectedOutput(s.code).length, s.name).toBeGreaterThan(0);
    for (const table of ["pgqrs_workflow_messages", "pgqrs_workflow_events", "waiting_for", "kind"]) {
      expect(queries.join("\n")).toContain(table);
    }
    expect(markdown).toMatch(/holds no worker slot, no lease and no\s+database connection/);
    expect(markdown).toContain("Do not catch the wait");
  });

  it("is linked from the durable workflows guide and the README", () => {
    expect(readFileSync(join(ROOT, "docs/guides/durable-workflows.md"), "utf8")).toContain("workflow-primitives.md");
    expect(readFileSync(join(ROOT, "README.md"), "utf8")).toContain("docs/guides/workflow-primitives.md");
  });

  describe.each(BACKENDS)("on %s", (backend: BackendName) => {
    const { dsn } = useSampleDatabase(backend);
    itRunsEachSample(samples, dsn);

    it("its SQL queries run on what the samples left, and show the waiting expense", async () => {
      const results: Record<string, unknown>[][] = [];
      if (backend === "sqlite") {
        const db = new Database(dsn().slice("sqlite://".length), { readonly: true });
        try {
          for (const q of queries) results.push(db.prepare(q).all() as Record<string, unknown>[]);
        } finally {
          db.close();
        }
      } else {
        const client = new pg.Client({ connectionString: dsn() });
        await client.connect();
        try {
          for (const q of queries) results.push((await client.query(q)).rows as Record<string, unknown>[]);
        } finally {
          await client.end();
        }
      }
      expect(results).toHaveLength(queries.length);
      for (const [i, rows] of results.entries()) expect(rows.length, queries[i]).toBeGreaterThan(0);
      const [expenses, reminderSteps, messages, events, children] = results as Record<string, unknown>[][];
      expect(expenses?.map((r) => [r.status, r.waits_for])).toEqual([
        ["SUCCESS", null],
        ["SUCCESS", null],
        ["PAUSED", "message"],
      ]);
      expect(reminderSteps?.map((r) => `${String(r.step_name)}:${String(r.kind)}:${String(r.status)}`)).toEqual([
        "welcome:step:SUCCESS",
        "wait-a-day:sleep:SUCCESS",
        "remind:step:SUCCESS",
      ]);
      // Every message sent was received once, by the recv named for it.
      expect(messages?.map((r) => r.consumed_by_step)).toEqual(["decision", "verified"]);
      expect(events?.map((r) => r.key)).toEqual(["progress"]);
      expect(children?.map((r) => r.status)).toEqual(["SUCCESS", "SUCCESS", "SUCCESS", "SUCCESS", "ERROR"]);
    });
  });
});
