/**
 * What every backend's migrations are: numbered `.sql` files (`NNNN_name.sql`) in its `migrations/` folder, the
 * source of truth, which scripts/embed-sources.mjs (`npm run embed`, run by `npm run build`) writes in version order
 * into its `migrations.generated.ts`, so nothing reads a file at run time. The script refuses a misnamed `.sql`
 * file and two files of one version. What the SQL means (placeholders, how it is applied and recorded) is the
 * backend's.
 */

/** One numbered migration file. */
export interface MigrationFile {
  /** The file's name, e.g. `0013_queue_controls.sql`. */
  file: string;
  /** The file's number, e.g. 13 for `0013_queue_controls.sql`. */
  version: number;
  /** The rest of the file name, e.g. `queue_controls`. */
  name: string;
  /** The file's text, as written. */
  sql: string;
}
