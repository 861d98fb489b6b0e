/** The S3 backend's registry entry: `s3://bucket/key` DSNs, a SQLite cache published on `@aws-sdk/client-s3`. */
import { PgqrsError } from "../../errors.js";
import type { BackendDefinition } from "../backend-definition.js";
import type { StoreCapabilities } from "../store.js";
import { cacheFilePath } from "./s3-cache-file.js";
import { S3_DRIVER } from "./s3-driver.js";
import { isS3Dsn, parseS3Dsn, S3_DSN_FORMS } from "./s3-dsn.js";

/**
 * What the S3 backend can do: one writing process per object (a second one meets CONFLICT on every publish that
 * races it); each operation may cost S3 round trips (durable mode), so handler loops claim ahead.
 */
export const S3_CAPABILITIES: StoreCapabilities = Object.freeze({
  backendName: "s3",
  processesPerDatabase: "one",
  listenNotify: false,
  networkRoundTrips: true,
});

/** The cache directory: `s3.cacheDir`, else the DSN's `?cache_dir=`; INVALID_CONFIG naming `s3.cache_dir` when neither. */
export function s3CacheDir(configured: string | undefined, dsn: string): string {
  const dir = configured ?? parseS3Dsn(dsn).cacheDir;
  if (dir === undefined || dir.trim() === "") {
    throw new PgqrsError(
      "INVALID_CONFIG",
      "Invalid configuration value for s3.cache_dir: cache_dir must be set for s3 stores. Give a local directory " +
        "for the SQLite cache: connect(dsn, { s3: { cacheDir } }), `s3: { cache_dir: … }` in a config file, " +
        "PGQRS_S3_CACHE_DIR, or ?cache_dir=… in the DSN",
      { details: { field: "s3.cache_dir" } },
    );
  }
  return dir;
}

export const S3_BACKEND: BackendDefinition<"s3"> = {
  kind: "s3",
  label: "S3",
  dsnForms: S3_DSN_FORMS,
  driver: S3_DRIVER,
  capabilities: S3_CAPABILITIES,
  acceptsPool: false,
  matchesDsn: isS3Dsn,
  parseDsn(dsn) {
    const parsed = parseS3Dsn(dsn);
    return parsed.cacheDir === undefined
      ? { kind: "s3" }
      : { kind: "s3", file: cacheFilePath(parsed.cacheDir, parsed) };
  },
  async open({ config }) {
    const cacheDir = s3CacheDir(config.s3.cacheDir, config.dsn);
    const { createS3Backend } = await import("./s3-store.js");
    return createS3Backend({
      dsn: config.dsn,
      cacheDir,
      mode: config.s3.mode,
      busyTimeoutMs: config.sqlite.busyTimeoutMs,
      requestTimeoutMs: config.connectionTimeoutSeconds * 1000,
    });
  },
};
