/**
 * Issue 19, item 3: a PostgreSQL user installs pgqrs, pg and @types/pg, nothing else. A strict TypeScript project
 * (NodeNext, `skipLibCheck: false`) compiles against the packed package (passing its own `pg.Pool`), the program
 * runs against PostgreSQL, better-sqlite3 was never installed (nor compiled), and connecting to SQLite says which
 * package to install.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dropSchema, postgresDsn, uniqueName } from "../support/backends.js";
import { POSTGRES_SAMPLE } from "./consumer-samples.js";
import { compile, consumerProject, removeProject, run, STRICT_TSCONFIG } from "./package-fixture.js";

let dir: string;
const schema = uniqueName("pkg");

beforeAll(async () => {
  dir = await consumerProject("postgres", {
    packageJson: { type: "module" },
    links: ["pg", "@types/pg", "typescript", "@types/node"],
    files: { "tsconfig.json": STRICT_TSCONFIG, "src/sample.ts": POSTGRES_SAMPLE },
  });
}, 600_000);

afterAll(() => removeProject(dir));

afterAll(() => dropSchema(schema));

describe("a PostgreSQL-only consumer of the packed package", () => {
  it("installs no SQLite driver", () => {
    expect(existsSync(join(dir, "node_modules/pgqrs/dist/index.d.ts"))).toBe(true);
    expect(existsSync(join(dir, "node_modules/better-sqlite3"))).toBe(false);
    expect(existsSync(join(dir, "node_modules/@types/better-sqlite3"))).toBe(false);
  });

  it("compiles under strict NodeNext with library checking, and the program runs on PostgreSQL", async () => {
    const { result, files } = await compile(dir);
    expect(result.stdout + result.stderr).not.toMatch(/error TS/);
    expect(result.code).toBe(0);
    expect(files).toContain("node_modules/pgqrs/dist/index.d.ts");

    const r = await run(process.execPath, ["out/sample.js", schema], {
      cwd: dir,
      env: { PGQRS_TEST_DSN: postgresDsn() },
    });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      backend: string;
      sent: string[];
      archived: boolean[];
      missing: { code: string; message: string; isExpected: boolean };
    };
    expect(out).toMatchObject({ backend: "postgres", sent: ["ada@example.com"], archived: [true] });
    expect(out.missing.code).toBe("DRIVER_NOT_INSTALLED");
    expect(out.missing.isExpected).toBe(true);
    expect(out.missing.message).toContain('"better-sqlite3"');
    expect(out.missing.message).toContain("npm install better-sqlite3");
  }, 300_000);
});
