/**
 * docs/scaling.md, executed: on each backend its ```ts samples run in order, as written, against TWO fresh databases
 * (their DSNs in PGQRS_SHARD_DSNS, as the sample reads them); each must exit 0, print no "Error", and print every
 * line a `console.log(…); // expected` comment announces, in order. The guide's plan for a distributed PostgreSQL
 * names the schema objects and statement clauses it discusses in the words the sources use.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { BACKENDS, type BackendName } from "../support/backends.js";
import { createDatabase, expectedOutput, fencedBlocks, inOrder, runSample } from "./sample-support.js";

vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });

const ROOT = process.cwd();
const GUIDE = "docs/scaling.md";
const markdown = readFileSync(join(ROOT, GUIDE), "utf8");
const samples = fencedBlocks(markdown, /^(ts|typescript)$/).map((b) => ({ name: `${GUIDE}:${b.line}`, ...b }));

describe("the scaling guide", () => {
  it("routes queues to stores by name in samples that announce their output", () => {
    const code = samples.map((s) => s.code).join("\n");
    for (const api of [
      "PGQRS_SHARD_DSNS",
      "pgqrs.connect(dsn)",
      "storeFor(queue)",
      ".producer(queue)",
      ".consumer(queue)",
    ]) {
      expect(code, api).toContain(api);
    }
    expect(samples.length).toBeGreaterThanOrEqual(1);
    for (const s of samples) expect(expectedOutput(s.code).length, s.name).toBeGreaterThan(0);
  });

  it("names the keys, indexes and claim clauses it plans around as the sources spell them", () => {
    const migrations = [
      "0001_initial.sql",
      "0002_pgqrs_ts_additions.sql",
      "0008_workflow_primitives.sql",
      "0013_queue_controls.sql",
    ].map((f) => readFileSync(join(ROOT, "src/store/postgres/migrations", f), "utf8"));
    const dir = join(ROOT, "src/store/postgres");
    const statements = readdirSync(dir)
      .filter((f) => f.endsWith(".ts"))
      .map((f) => readFileSync(join(dir, f), "utf8"));
    const sources = [...migrations, ...statements].join("\n");
    for (const name of [
      "idx_pgqrs_messages_claim",
      "idx_pgqrs_messages_dedup",
      "idx_pgqrs_workflow_runs_idempotency",
      "pgqrs_claim_limited",
      "FOR NO KEY UPDATE SKIP LOCKED",
      "message_id BIGINT NOT NULL UNIQUE REFERENCES",
      "parent_run_id",
      "UNIQUE (run_id, step_name)",
      "pg_notify",
      "synchronous_commit",
    ]) {
      expect(markdown, name).toContain(name);
      expect(sources, name).toContain(name);
    }
    // The figures it plans with come from the benchmarks page, which it links.
    expect(markdown).toContain("(benchmarks.md");
  });

  describe.each(BACKENDS)("on %s", (backend: BackendName) => {
    const dbs: { dsn: string; drop: () => Promise<void> }[] = [];

    beforeAll(async () => {
      dbs.push(await createDatabase(backend), await createDatabase(backend));
      // runSample passes this process's environment on to the sample.
      process.env.PGQRS_SHARD_DSNS = dbs.map((d) => d.dsn).join(",");
    });

    afterAll(async () => {
      delete process.env.PGQRS_SHARD_DSNS;
      for (const d of dbs) await d.drop();
    });

    it.each(samples)("$name runs against two databases and prints what it says", async ({ code }) => {
      const r = await runSample(code, dbs[0]?.dsn ?? "");
      expect(r.output, r.output).not.toContain("Error");
      expect(r.code, r.output).toBe(0);
      const expected = expectedOutput(code);
      expect(
        inOrder(r.stdout.split("\n"), expected),
        `expected, in order:\n${expected.join("\n")}\n---\n${r.stdout}`,
      ).toBe(true);
    });
  });
});
