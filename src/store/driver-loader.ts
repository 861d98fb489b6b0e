/**
 * Database drivers are optional peer dependencies: a PostgreSQL user never installs `better-sqlite3`, a SQLite user
 * never installs `pg`. Each backend loads its driver here on first use, and a missing one is a
 * {@link PgqrsError} `DRIVER_NOT_INSTALLED` naming the package and the command that installs it.
 */
import { createRequire } from "node:module";
import { PgqrsError } from "../errors.js";

/** Resolves drivers from this package's location, as a static import would. */
const requireFromHere = createRequire(import.meta.url);

/** What a backend needs to say about its driver when it is missing. */
export interface DriverInfo {
  /** The npm package, e.g. `pg`. */
  packageName: string;
  /** The backend that needs it, for the message, e.g. `PostgreSQL`. */
  backend: string;
}

/** The message of a missing driver: the package and the command that installs it. */
export function driverNotInstalled(info: DriverInfo, cause?: unknown): PgqrsError {
  const { packageName, backend } = info;
  return new PgqrsError(
    "DRIVER_NOT_INSTALLED",
    `The ${backend} backend needs the "${packageName}" package, which is not installed. ` +
      `Install it next to pgqrs: npm install ${packageName}`,
    { cause, details: { package: packageName, backend, install: `npm install ${packageName}` } },
  );
}

/**
 * Load a CommonJS (or `require`-able) driver synchronously, once. Missing → `DRIVER_NOT_INSTALLED`; present but
 * failing to load (a native module built for another Node version) → `DRIVER_NOT_INSTALLED` too, whose message
 * says to reinstall it, with the driver's own error as `cause`.
 */
export function requireDriver<T>(info: DriverInfo): T {
  try {
    requireFromHere.resolve(info.packageName);
  } catch (err) {
    throw driverNotInstalled(info, err);
  }
  try {
    return requireFromHere(info.packageName) as T;
  } catch (err) {
    throw loadFailed(info, err);
  }
}

/** An installed driver that fails to load (a native module built for another Node.js version, a broken install). */
function loadFailed(info: DriverInfo, err: unknown): PgqrsError {
  const reason = err instanceof Error ? err.message : String(err);
  return new PgqrsError(
    "DRIVER_NOT_INSTALLED",
    `The ${info.backend} backend could not load the "${info.packageName}" package: ${reason}. ` +
      `Reinstall it: npm install ${info.packageName} (or npm rebuild ${info.packageName})`,
    { cause: err, details: { package: info.packageName, backend: info.backend } },
  );
}

/**
 * Load an ES-module driver (one `require` cannot load, e.g. one with top-level await), uncached (the caller keeps the module).
 * Missing → `DRIVER_NOT_INSTALLED`; failing to load → `DRIVER_NOT_INSTALLED` saying to reinstall it.
 */
export async function importDriver<T>(info: DriverInfo): Promise<T> {
  try {
    import.meta.resolve(info.packageName);
  } catch (err) {
    throw driverNotInstalled(info, err);
  }
  try {
    return (await import(info.packageName)) as T;
  } catch (err) {
    throw loadFailed(info, err);
  }
}
