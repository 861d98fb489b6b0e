import { PgqrsError } from "../errors.js";

/**
 * Check a Postgres schema name: a letter or `_` first, then letters, digits, `_` or `$`, at most 63 bytes.
 * INVALID_CONFIG naming the bad character otherwise.
 */
export function validateSchemaName(schema: string): void {
  const fail = (message: string): never => {
    throw new PgqrsError("INVALID_CONFIG", `Invalid configuration value for schema: ${message}`, {
      details: { field: "schema", value: schema },
    });
  };
  if (schema.length === 0) fail("Schema name cannot be empty");
  if (Buffer.byteLength(schema, "utf8") > 63) fail(`Schema name '${schema}' exceeds maximum length of 63 bytes`);
  if (!/^[A-Za-z_]/.test(schema)) fail(`Schema name '${schema}' must start with a letter or underscore`);
  for (const ch of schema) {
    if (!/[A-Za-z0-9_$]/.test(ch)) {
      fail(
        `Schema name '${schema}' contains invalid character '${ch}'. Only letters, digits, underscores, and dollar signs are allowed`,
      );
    }
  }
}
