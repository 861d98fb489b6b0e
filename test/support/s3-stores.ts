/** S3 stores for the tests, on the test server's bucket, each with a cache directory of its own unless given one. */
import type { Clock } from "../../src/clock.js";
import { connect, type Store } from "../../src/index.js";
import type { S3Mode } from "../../src/store/s3/s3-handle.js";
import { freshCacheDir } from "./s3-server.js";

export interface OpenS3StoreOptions {
  dsn: string;
  /** Default: a fresh directory. */
  cacheDir?: string;
  /** Default `durable`. */
  mode?: S3Mode;
  clock?: Clock;
}

/** Connect to an S3 DSN (the AWS environment must point at the test server: `startS3TestServer`). */
export async function openS3Store(opts: OpenS3StoreOptions): Promise<Store> {
  return connect(opts.dsn, {
    s3: { cacheDir: opts.cacheDir ?? freshCacheDir(), mode: opts.mode ?? "durable" },
    ...(opts.clock === undefined ? {} : { clock: opts.clock }),
  });
}
