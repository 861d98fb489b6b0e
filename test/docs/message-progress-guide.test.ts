/**
 * docs/guides/basic-queue.md, "Reporting progress", executed: on each backend its ```ts sample runs twice in ONE
 * fresh database; each run exits 0, prints no "Error", and prints what its `console.log(…); // expected` comments
 * announce, in order, with the handler of the redelivery resuming from the failed delivery's checkpoint. Samples
 * import "pgqrs", which resolves to the built dist/ (npm test builds first).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { BACKENDS, type BackendName } from "../support/backends.js";
import { createDatabase, expectedOutput, fencedBlocks, inOrder, runSample } from "./sample-support.js";

vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });

const markdown = readFileSync(join(process.cwd(), "docs/guides/basic-queue.md"), "utf8");
const section = markdown.slice(markdown.indexOf("## Reporting progress"), markdown.indexOf("## Errors"));
const [sample] = fencedBlocks(section, /^(ts|typescript)$/);

describe("the basic queue guide's progress section", () => {
  it("documents the handler context, the consumer call, the fence and the CLI", () => {
    for (const text of ["updateProgress(value)", "consumer.updateProgress(id, value)", "`false`", "message show"]) {
      expect(section, text).toContain(text);
    }
    expect(sample?.code).toContain("{ updateProgress }");
    expect(expectedOutput(sample?.code ?? "")).toEqual(["connection reset", "1", "3"]);
  });

  describe.each(BACKENDS)("on %s", (backend: BackendName) => {
    let db: { dsn: string; drop: () => Promise<void> };
    beforeAll(async () => {
      db = await createDatabase(backend);
    });
    afterAll(async () => {
      await db?.drop();
    });

    it.each([1, 2])("run %i resumes the redelivery from its checkpoint", async () => {
      const code = sample?.code ?? "";
      const r = await runSample(code, db.dsn);
      expect(r.output, r.output).not.toContain("Error");
      expect(r.code, r.output).toBe(0);
      const lines = r.stdout.split("\n");
      const expected = [
        "delivery 1: customers.csv from row 1",
        "connection reset",
        "delivery 2: customers.csv from row 2",
        ...expectedOutput(code).slice(1),
      ];
      expect(inOrder(lines, expected), `expected, in order:\n${expected.join("\n")}\n---\n${r.stdout}`).toBe(true);
    });
  });
});
