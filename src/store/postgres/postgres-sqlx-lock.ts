/**
 * The advisory lock sqlx's PostgreSQL migrator holds while Rust/Python pgqrs migrates a database. This package's
 * install takes it too (after its own), so an install racing pgqrs's migrator on a fresh schema waits for it instead
 * of both creating the same types at once.
 */
import { crc32 } from "node:zlib";

/** sqlx 0.8 (`sqlx-postgres`, `generate_lock_id`): `0x3d32ad9e * crc32(database name)`, a bigint key. */
const SQLX_LOCK_FACTOR = 0x3d32ad9en;

/** The key sqlx's migrator locks for `databaseName`, as decimal text (it exceeds 2^53; pass it as `$1::bigint`). */
export function sqlxMigrationLockKey(databaseName: string): string {
  return (SQLX_LOCK_FACTOR * BigInt(crc32(Buffer.from(databaseName, "utf8")))).toString();
}
