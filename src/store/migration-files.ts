/**
 * The one migration loader every backend uses: numbered `.sql` files (`NNNN_name.sql`) in a backend's
 * `migrations/` folder next to its compiled code (scripts/copy-migrations.mjs copies every `src/store/<kind>/migrations`
 * into dist), read once and sorted by version. What the SQL means (placeholders, how it is applied and recorded) is
 * the backend's.
 */
import { readdirSync, readFileSync } from "node:fs";

/** One numbered migration file. */
export interface MigrationFile {
  /** The file's number, e.g. 13 for `0013_queue_controls.sql`. */
  version: number;
  /** The rest of the file name, e.g. `queue_controls`. */
  name: string;
  /** The file's text, as written. */
  sql: string;
}

const FILE_NAME = /^(\d+)_([A-Za-z0-9_]+)\.sql$/;

const cache = new Map<string, readonly MigrationFile[]>();

/** The migrations in `dir` (a `file:` URL of a folder, ending in `/`), by version; other files are ignored. */
export function readMigrationFiles(dir: URL): readonly MigrationFile[] {
  const cached = cache.get(dir.href);
  if (cached !== undefined) return cached;
  const migrations: MigrationFile[] = [];
  for (const file of readdirSync(dir)) {
    const m = FILE_NAME.exec(file);
    if (m?.[1] === undefined || m[2] === undefined) continue;
    migrations.push({ version: Number(m[1]), name: m[2], sql: readFileSync(new URL(file, dir), "utf8") });
  }
  migrations.sort((a, b) => a.version - b.version);
  cache.set(dir.href, migrations);
  return migrations;
}
