/**
 * The `@tursodatabase/database` driver, loaded on first use: it is an optional peer dependency, and users of the
 * other backends never install it. The backend uses the package's synchronous entry point
 * (`@tursodatabase/database/compat`, better-sqlite3's shape), so the SQLite backend's statement modules run on it
 * unchanged. The package ships no CommonJS build; Node loads its ES module through `require` (Node >= 20.19).
 */
import { createRequire } from "node:module";
import { PgqrsError } from "../../errors.js";
import { type DriverInfo, driverNotInstalled } from "../driver-loader.js";

/** A prepared statement of the compat API; rows are plain objects, or arrays in raw mode. */
export interface TursoStatement {
  run(...params: unknown[]): { changes: number; lastInsertRowid: number };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  raw(toggle?: boolean): TursoStatement;
  close(): void;
  /** The native statement: reset after a failed step, which would otherwise stay mid-execution. */
  readonly stmt: { reset(): void };
}

/** A connection of the compat API (one native connection; every call runs to completion synchronously). */
export interface TursoDatabase {
  prepare(sql: string): TursoStatement;
  exec(sql: string): void;
  pragma(source: string): unknown[];
  readonly inTransaction: boolean;
  readonly open: boolean;
  close(): void;
}

/** The `@tursodatabase/database/compat` module's exports. */
export interface TursoModule {
  Database: new (path: string, opts?: { timeout?: number }) => TursoDatabase;
}

/** The package users install, for the DRIVER_NOT_INSTALLED message. */
export const TURSO_DRIVER: DriverInfo = { packageName: "@tursodatabase/database", backend: "Turso" };

const ENTRY = `${TURSO_DRIVER.packageName}/compat`;

const requireFromHere = createRequire(import.meta.url);

let loaded: TursoModule | undefined;

/**
 * The compat module; DRIVER_NOT_INSTALLED (`npm install @tursodatabase/database`) when the package is missing, or
 * when it is present but cannot load (no native binary for this platform, a Node without `require(esm)`).
 */
export function tursoDriver(): TursoModule {
  if (loaded !== undefined) return loaded;
  try {
    requireFromHere.resolve(ENTRY);
  } catch (err) {
    throw driverNotInstalled(TURSO_DRIVER, err);
  }
  try {
    loaded = requireFromHere(ENTRY) as TursoModule;
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new PgqrsError(
      "DRIVER_NOT_INSTALLED",
      `The Turso backend could not load the "${TURSO_DRIVER.packageName}" package: ${reason}. ` +
        `Reinstall it (npm install ${TURSO_DRIVER.packageName}); it needs Node >= 20.19 and a platform it ships a ` +
        "binary for (Linux x64/arm64 glibc, macOS arm64, Windows x64)",
      { cause: err, details: { package: TURSO_DRIVER.packageName, backend: TURSO_DRIVER.backend } },
    );
  }
  return loaded;
}
