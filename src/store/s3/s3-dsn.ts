/**
 * S3 DSNs: `s3://bucket/key` names one object, the SQLite database file the S3 backend publishes
 * (`s3://my-bucket/queues/app.sqlite` → bucket `my-bucket`, key `queues/app.sqlite`). The endpoint, region and
 * credentials come from the standard AWS environment, never from the DSN.
 */
import { PgqrsError } from "../../errors.js";

/** The S3 DSN forms, for error messages. */
export const S3_DSN_FORMS = ["s3://bucket/key.sqlite", "s3://bucket/key.sqlite?cache_dir=/var/cache/pgqrs"] as const;

/** Whether the DSN names the S3 backend (by its scheme). */
export function isS3Dsn(dsn: string): boolean {
  return dsn.startsWith("s3:");
}

/** What an S3 DSN says. */
export interface S3Dsn {
  /** The bucket, e.g. `my-bucket`. */
  bucket: string;
  /** The object key, e.g. `queues/app.sqlite` (no leading `/`). */
  key: string;
  /** The `?cache_dir=` query parameter, when given (the `s3.cacheDir` setting wins over it). */
  cacheDir?: string;
}

/**
 * INVALID_CONFIG (field `dsn`) unless `dsn` is `s3://bucket/key` with both parts. The query may name the cache
 * directory (`?cache_dir=/var/cache/pgqrs`, percent-encoded); other parameters are ignored.
 */
export function parseS3Dsn(dsn: string): S3Dsn {
  if (!dsn.startsWith("s3://")) throw invalid(`Invalid S3 DSN format: ${dsn}`);
  let rest = dsn.slice("s3://".length);
  const q = rest.search(/[?#]/);
  const query = q >= 0 && rest[q] === "?" ? new URLSearchParams(rest.slice(q + 1).split("#")[0]) : undefined;
  if (q >= 0) rest = rest.slice(0, q);
  const slash = rest.indexOf("/");
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const key = slash < 0 ? "" : rest.slice(slash + 1);
  if (bucket === "") throw invalid(`S3 DSN missing bucket: ${dsn}`);
  if (key === "" || key.endsWith("/")) throw invalid(`S3 DSN missing object key: ${dsn}`);
  const cacheDir = query?.get("cache_dir") ?? "";
  return cacheDir === "" ? { bucket, key } : { bucket, key, cacheDir };
}

function invalid(reason: string): PgqrsError {
  return new PgqrsError(
    "INVALID_CONFIG",
    `Invalid configuration value for dsn: ${reason}. Accepted forms: ${S3_DSN_FORMS.join(", ")}`,
    { details: { field: "dsn" } },
  );
}
