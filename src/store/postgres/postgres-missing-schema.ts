/**
 * Recognises "pgqrs is not installed here" among node-postgres errors: SQLSTATE 42P01 (undefined_table) on a
 * `pgqrs_*` relation, or 3F000 (invalid_schema_name). Only called on the error path, so the hot path pays nothing.
 */
import type { PgqrsError } from "../../errors.js";
import { schemaNotInstalled } from "../schema-not-installed.js";

const UNDEFINED_TABLE = "42P01";
const INVALID_SCHEMA_NAME = "3F000";

/**
 * SCHEMA_NOT_INSTALLED for a missing pgqrs table or schema, else undefined. `sqlstate` classifies; the server's
 * message is read only to name the missing relation (`relation "public.pgqrs_queues" does not exist`). `target`
 * is the masked DSN with the schema. Never for `install` itself, which is what creates them.
 */
export function missingSchemaError(
  err: unknown,
  sqlstate: string | undefined,
  operation: string,
  target: string,
): PgqrsError | undefined {
  if (operation.startsWith("install")) return undefined;
  if (sqlstate !== UNDEFINED_TABLE && sqlstate !== INVALID_SCHEMA_NAME) return undefined;
  const message = err instanceof Error ? err.message : "";
  const named = /^(relation|schema) "([^"]+)" does not exist/.exec(message);
  if (sqlstate === UNDEFINED_TABLE && (named === null || !/(^|\.)pgqrs_/.test(named[2] ?? ""))) return undefined;
  const missing = named === null ? "the schema" : `${named[1]} "${named[2]}"`;
  return schemaNotInstalled(target, missing, operation, err);
}
