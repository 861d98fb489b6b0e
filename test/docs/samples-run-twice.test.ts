/**
 * Issue 17, item 9: every executed sample (each ```ts block of README.md and docs/**.md; the README's blocks are
 * examples/*.ts word for word) runs twice in a row on ONE database, in one working directory, on each backend, and
 * the second run succeeds as the first did: exit 0, no "Error" printed. So the samples' setup is idempotent
 * (`createQueue(name, { ifNotExists: true })`, `CREATE TABLE IF NOT EXISTS`, …) and leaves nothing that breaks a
 * rerun. Samples import "pgqrs", which resolves to the built dist/ (npm test builds first).
 */
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { BACKENDS, type BackendName } from "../support/backends.js";
import { createDatabase, fencedBlocks, runSample } from "./sample-support.js";

vi.setConfig({ testTimeout: 240_000 });

const ROOT = process.cwd();

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? markdownFiles(join(dir, e.name)) : e.name.endsWith(".md") ? [join(dir, e.name)] : [],
  );
}

const files = [join(ROOT, "README.md"), ...markdownFiles(join(ROOT, "docs")).sort()];
const samples = files.flatMap((file) =>
  fencedBlocks(readFileSync(file, "utf8"), /^(ts|typescript)$/).map((b) => ({
    name: `${relative(ROOT, file)}:${b.line}`,
    code: b.code,
  })),
);

describe("every sample runs twice in a row on one database", () => {
  it("covers the README (so examples/), the guides and the queue controls guide", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const examples = readdirSync(join(ROOT, "examples")).filter((f) => f.endsWith(".ts"));
    expect(examples.length).toBeGreaterThan(0);
    for (const f of examples) expect(readme, f).toContain(readFileSync(join(ROOT, "examples", f), "utf8").trim());
    const covered = new Set(samples.map((s) => s.name.split(":")[0]));
    for (const f of ["README.md", "docs/getting-started.md", "docs/backends.md", "docs/guides/queue-controls.md"]) {
      expect(covered).toContain(f);
    }
    for (const f of readdirSync(join(ROOT, "docs", "guides")).filter((g) => g.endsWith(".md"))) {
      expect(covered).toContain(`docs/guides/${f}`);
    }
  });

  it("samples that create queues do it idempotently", () => {
    for (const s of samples) {
      for (const m of s.code.matchAll(/createQueue\(([^)]*)\)|store\.queue\(([^)]*)\)/g)) {
        expect(m[0], s.name).toContain("ifNotExists: true");
      }
      expect(s.code, s.name).not.toContain("QUEUE_ALREADY_EXISTS");
    }
  });

  describe.each(BACKENDS)("on %s", (backend: BackendName) => {
    // The S3 guide's samples need an S3 server: test/docs/s3-guide.test.ts runs them twice against its emulator.
    it.each(samples.filter((s) => !s.name.startsWith("docs/guides/s3.md:")))("$name", async ({ code }) => {
      const db = await createDatabase(backend);
      try {
        const cwd = mkdtempSync(join(tmpdir(), "pgqrs-doc-twice-"));
        const first = await runSample(code, db.dsn, cwd);
        expect(first.output, `first run:\n${first.output}`).not.toContain("Error");
        expect(first.code, `first run:\n${first.output}`).toBe(0);
        const second = await runSample(code, db.dsn, cwd);
        expect(second.output, `second run:\n${second.output}`).not.toContain("Error");
        expect(second.code, `second run:\n${second.output}`).toBe(0);
      } finally {
        await db.drop();
      }
    });
  });
});
