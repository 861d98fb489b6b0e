/**
 * Every ```ts block of docs/**.md runs, as written, against a fresh SQLite file and a fresh Postgres database.
 * Samples import "pgqrs", which resolves to the built dist/ by package self-reference (npm test builds first).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { BACKENDS } from "../support/backends.js";
import { createDatabase, fencedBlocks, runSample } from "./sample-support.js";

vi.setConfig({ testTimeout: 120_000 });

const ROOT = process.cwd();

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? markdownFiles(join(dir, e.name)) : e.name.endsWith(".md") ? [join(dir, e.name)] : [],
  );
}

const samples = markdownFiles(join(ROOT, "docs"))
  .sort()
  .flatMap((file) =>
    fencedBlocks(readFileSync(file, "utf8"), /^(ts|typescript)$/).map((b) => ({
      name: `${relative(ROOT, file)}:${b.line}`,
      ...b,
    })),
  );

describe("docs code samples", () => {
  it("there are samples in every guide", () => {
    const files = new Set(samples.map((s) => s.name.split(":")[0]));
    for (const f of [
      "docs/getting-started.md",
      "docs/guides/basic-queue.md",
      "docs/guides/basic-workflow.md",
      "docs/guides/delayed-messages.md",
      "docs/guides/batch-processing.md",
      "docs/guides/worker-management.md",
      "docs/guides/durable-workflows.md",
      "docs/backends.md",
    ]) {
      expect(files).toContain(f);
    }
  });

  describe.each(BACKENDS)("on %s", (backend) => {
    // The S3 guide's samples need an S3 server: test/docs/s3-guide.test.ts runs them against its emulator.
    it.each(samples.filter((s) => !s.name.startsWith("docs/guides/s3.md:")))("$name runs", async ({ code }) => {
      const db = await createDatabase(backend);
      try {
        const r = await runSample(code, db.dsn);
        expect(r.output, r.output).not.toContain("Error");
        expect(r.code, r.output).toBe(0);
      } finally {
        await db.drop();
      }
    });
  });
});
