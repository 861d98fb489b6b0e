/**
 * Issue 19, item 3: `require("pgqrs")` works on Node 20.19 and later (require of an ES module without top-level
 * await), from a CommonJS project that installed the packed package and better-sqlite3.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshSqlitePath } from "../support/backends.js";
import { COMMONJS_SAMPLE } from "./consumer-samples.js";
import { consumerProject, removeProject, run } from "./package-fixture.js";

let dir: string;

beforeAll(async () => {
  dir = await consumerProject("cjs", {
    packageJson: { type: "commonjs" },
    links: ["better-sqlite3"],
    files: { "main.cjs": COMMONJS_SAMPLE },
  });
}, 600_000);

afterAll(() => removeProject(dir));

describe("a CommonJS consumer of the packed package", () => {
  it("requires pgqrs and uses it; the missing pg driver is named", async () => {
    const r = await run(process.execPath, ["main.cjs", freshSqlitePath()], { cwd: dir });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { version: string; isError: boolean; code: string; message: string };
    expect(out).toMatchObject({ version: "0.1.0", isError: true, code: "DRIVER_NOT_INSTALLED", payloads: [{ n: 1 }] });
    expect(out.message).toContain("npm install pg");
  }, 300_000);
});
