/**
 * Drivers load on first use; a missing one is DRIVER_NOT_INSTALLED naming the package and its install command
 * (the consumer tests show it with the real drivers absent; here, a package that exists nowhere).
 */
import Database from "better-sqlite3";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { isPgqrsError } from "../../src/errors.js";
import { importDriver, requireDriver } from "../../src/store/driver-loader.js";
import { pgDriver } from "../../src/store/postgres/pg-driver.js";
import { sqliteDriver } from "../../src/store/sqlite/sqlite-driver.js";

describe("driver loading", () => {
  it("gives the installed drivers, the same modules an import gives", () => {
    expect(pgDriver()).toBe(pg);
    expect(sqliteDriver()).toBe(Database);
  });

  it("names the missing package and the command that installs it", () => {
    let caught: unknown;
    try {
      requireDriver({ packageName: "pgqrs-no-such-driver", backend: "Example" });
    } catch (err) {
      caught = err;
    }
    expect(isPgqrsError(caught)).toBe(true);
    if (!isPgqrsError(caught)) return;
    expect(caught.code).toBe("DRIVER_NOT_INSTALLED");
    expect(caught.message).toBe(
      'The Example backend needs the "pgqrs-no-such-driver" package, which is not installed. ' +
        "Install it next to pgqrs: npm install pgqrs-no-such-driver",
    );
    expect(caught.details).toMatchObject({
      package: "pgqrs-no-such-driver",
      install: "npm install pgqrs-no-such-driver",
    });
  });
});

describe("ES-module driver loading (for drivers require cannot load)", () => {
  it("imports an installed package and names a missing one", async () => {
    const yaml = await importDriver<{ parse(text: string): unknown }>({ packageName: "yaml", backend: "Example" });
    expect(yaml.parse("a: 1")).toEqual({ a: 1 });
    await expect(importDriver({ packageName: "pgqrs-no-such-driver", backend: "Example" })).rejects.toMatchObject({
      code: "DRIVER_NOT_INSTALLED",
      message: expect.stringContaining("npm install pgqrs-no-such-driver"),
    });
  });
});
