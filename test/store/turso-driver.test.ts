/**
 * The Turso driver is an optional peer dependency loaded on first use: where `@tursodatabase/database` is not
 * installed, the first Turso store fails with DRIVER_NOT_INSTALLED naming the package and the command that installs
 * it. Shown for real: this package's driver-loading modules are copied to a folder with no node_modules above it and
 * run there in a child process (nothing is mocked; the package simply cannot be found).
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { TURSO_BACKEND } from "../../src/store/turso/turso-backend.js";
import { tursoDriver } from "../../src/store/turso/turso-driver.js";

const MODULES = ["errors.ts", "store/driver-loader.ts", "store/turso/turso-driver.ts"];

describe("the Turso driver", () => {
  it("loads the installed package's synchronous entry point once", () => {
    const driver = tursoDriver();
    expect(typeof driver.Database).toBe("function");
    expect(tursoDriver()).toBe(driver);
    expect(TURSO_BACKEND.driver.packageName).toBe("@tursodatabase/database");
  });

  it("is DRIVER_NOT_INSTALLED naming @tursodatabase/database where it is not installed", () => {
    const dir = mkdtempSync(join(tmpdir(), "pgqrs-no-turso-"));
    for (const file of MODULES) {
      mkdirSync(join(dir, "src", file, ".."), { recursive: true });
      cpSync(join("src", file), join(dir, "src", file));
    }
    writeFileSync(
      join(dir, "main.ts"),
      [
        'import { tursoDriver } from "./src/store/turso/turso-driver.js";',
        "try { tursoDriver(); console.log(JSON.stringify({ loaded: true })); }",
        "catch (err) { const e = err as { code: string; message: string; details: unknown };",
        "  console.log(JSON.stringify({ code: e.code, message: e.message, details: e.details })); }",
      ].join("\n"),
    );
    const tsx = pathToFileURL(join(process.cwd(), "node_modules/tsx/dist/loader.mjs")).href;
    const r = spawnSync(process.execPath, ["--import", tsx, "main.ts"], { cwd: dir, encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim()) as { code: string; message: string; details: Record<string, unknown> };
    expect(out.code).toBe("DRIVER_NOT_INSTALLED");
    expect(out.message).toContain('"@tursodatabase/database"');
    expect(out.message).toContain("npm install @tursodatabase/database");
    expect(out.details).toMatchObject({ package: "@tursodatabase/database", backend: "Turso" });
  });
});
