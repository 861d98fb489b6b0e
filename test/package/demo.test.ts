/**
 * Issue 19, item 10: `npx pgqrs demo` in an empty folder that installed the packed package (and the SQLite driver)
 * runs the Basic Workflow Guide on SQLite.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consumerProject, removeProject, run } from "./package-fixture.js";

let dir: string;

beforeAll(async () => {
  dir = await consumerProject("demo", { packageJson: {}, links: ["better-sqlite3"] });
}, 600_000);

afterAll(() => removeProject(dir));

describe("npx pgqrs demo after installing the package", () => {
  it("runs the guide's 100 runs on ./pgqrs-demo.db and exits 0", async () => {
    const r = await run("npx", ["--offline", "pgqrs", "demo"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("on sqlite (sqlite://./pgqrs-demo.db)");
    expect(r.stdout).toMatch(/STATUS\s+RUNS\nSUCCESS\s+100/);
    expect(r.stdout).toMatch(/reserve_stock\s+SUCCESS/);
    expect(r.stdout).toContain("npx pgqrs workflow runs demo_order --dsn sqlite://./pgqrs-demo.db");
    expect(existsSync(join(dir, "pgqrs-demo.db"))).toBe(true);

    const pasted = await run("npx", ["--offline", "pgqrs", "workflow", "runs", "demo_order"], {
      cwd: dir,
      env: { PGQRS_DSN: "sqlite://./pgqrs-demo.db" },
    });
    expect(pasted.code, pasted.stderr).toBe(0);
    expect(pasted.stdout).toMatch(/SUCCESS/);
  }, 300_000);
});
