/**
 * docs/guides/workflow-versions.md, executed: on each backend its ```ts sample runs as written in a fresh database
 * (SQLite file or Postgres database), exits 0, prints no "Error", and prints every line a `console.log(…); //
 * expected` comment announces, in order: v2's worker leaves v1's run queued, v1's worker drains it.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { BACKENDS } from "../support/backends.js";
import { createDatabase, expectedOutput, runSample } from "./sample-support.js";

vi.setConfig({ testTimeout: 120_000 });

const ROOT = process.cwd();
const GUIDE = "docs/guides/workflow-versions.md";

const markdown = readFileSync(join(ROOT, GUIDE), "utf8");
const sample = /```ts\n([\s\S]*?)\n```/.exec(markdown)?.[1] ?? "";
const expected = expectedOutput(sample);

describe("the workflow versions guide", () => {
  it("has a sample announcing its output, shows --version, and is linked from the durable workflows guide", () => {
    expect(expected).toEqual(["v2", "v2", "v1 QUEUED", "label-1", "0"]);
    expect(markdown).toContain("pgqrs workflow runs ship_order --version v1");
    expect(markdown).toContain("Runs without a version");
    expect(readFileSync(join(ROOT, "docs/guides/durable-workflows.md"), "utf8")).toContain("workflow-versions.md");
  });

  it.each(BACKENDS)("runs on %s and prints what it announces", async (backend) => {
    const db = await createDatabase(backend);
    try {
      const r = await runSample(sample, db.dsn);
      expect(r.output, r.output).not.toContain("Error");
      expect(r.code, r.output).toBe(0);
      expect(r.stdout.trim().split("\n"), r.output).toEqual(expected);
    } finally {
      await db.drop();
    }
  });
});
