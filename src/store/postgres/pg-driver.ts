/**
 * The `pg` (node-postgres) driver, loaded on first use: it is an optional peer dependency, and SQLite users never
 * install it. Type-only imports of `pg` stay where they are; values come from {@link pgDriver}.
 */
import type pg from "pg";
import { requireDriver } from "../driver-loader.js";

/** The `pg` module's default export (`Pool`, `Client`, `types`, …). */
export type PgModule = typeof pg;

let loaded: PgModule | undefined;

/** The `pg` module; throws `DRIVER_NOT_INSTALLED` (install with `npm install pg`) when it is missing. */
export function pgDriver(): PgModule {
  loaded ??= requireDriver<PgModule>({ packageName: "pg", backend: "PostgreSQL" });
  return loaded;
}
