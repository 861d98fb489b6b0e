/**
 * S3 databases for the suites that loop over backends: the S3 global setup
 * (s3-global-setup.ts) starts one emulator for the run and points the AWS environment at it; each fresh database
 * is a new key with a cache directory of its own, named in the DSN (`?cache_dir=`). Imports no SDK.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The bucket the S3 global setup creates. */
export const S3_SUITE_BUCKET = "pgqrs-suite";

let counter = 0;

/** A fresh `s3://…?cache_dir=…` DSN on the suite's emulator. */
export function freshS3SuiteDsn(): string {
  if (!process.env.AWS_ENDPOINT_URL) {
    throw new Error(
      "no S3 server for the suite: the S3 global setup (test/support/s3-global-setup.ts) starts one unless PGQRS_TEST_BACKENDS leaves s3 out",
    );
  }
  counter += 1;
  const cacheDir = mkdtempSync(join(tmpdir(), "pgqrs-s3-suite-"));
  const key = `t-${process.pid}-${Date.now().toString(36)}-${counter}.sqlite`;
  return `s3://${S3_SUITE_BUCKET}/${key}?cache_dir=${encodeURIComponent(cacheDir)}`;
}
