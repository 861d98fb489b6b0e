/**
 * Issue 19, item 3: a SQLite user installs pgqrs and better-sqlite3, nothing else. A strict TypeScript project
 * (NodeNext, `skipLibCheck: false`) compiles against the packed package, the program runs on a real file, `pg` was
 * never installed, and connecting to PostgreSQL says which package to install.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshSqlitePath } from "../support/backends.js";
import { SQLITE_SAMPLE } from "./consumer-samples.js";
import { compile, consumerProject, removeProject, run, STRICT_TSCONFIG } from "./package-fixture.js";

let dir: string;

beforeAll(async () => {
  dir = await consumerProject("sqlite", {
    packageJson: { type: "module" },
    links: ["better-sqlite3", "typescript", "@types/node"],
    files: { "tsconfig.json": STRICT_TSCONFIG, "src/sample.ts": SQLITE_SAMPLE },
  });
}, 600_000);

afterAll(() => removeProject(dir));

describe("a SQLite-only consumer of the packed package", () => {
  it("installs no PostgreSQL driver and no pg types", () => {
    expect(existsSync(join(dir, "node_modules/pgqrs/dist/index.d.ts"))).toBe(true);
    expect(existsSync(join(dir, "node_modules/pg"))).toBe(false);
    expect(existsSync(join(dir, "node_modules/@types/pg"))).toBe(false);
    expect(existsSync(join(dir, "node_modules/@types/better-sqlite3"))).toBe(false);
  });

  it("compiles under strict NodeNext with library checking, and the program runs on a file", async () => {
    const { result, files } = await compile(dir);
    expect(result.stdout + result.stderr).not.toMatch(/error TS/);
    expect(result.code).toBe(0);
    // The published declarations were checked, not skipped.
    expect(files).toContain("node_modules/pgqrs/dist/index.d.ts");

    const file = freshSqlitePath();
    const r = await run(process.execPath, ["out/sample.js", file], { cwd: dir });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      backend: string;
      sent: string[];
      archived: boolean[];
      missing: { code: string; message: string; isExpected: boolean };
    };
    expect(out).toMatchObject({ backend: "sqlite", sent: ["ada@example.com"], archived: [true] });
    expect(existsSync(file)).toBe(true);
    expect(out.missing.code).toBe("DRIVER_NOT_INSTALLED");
    expect(out.missing.isExpected).toBe(true);
    expect(out.missing.message).toContain('"pg"');
    expect(out.missing.message).toContain("npm install pg");
  }, 300_000);
});
