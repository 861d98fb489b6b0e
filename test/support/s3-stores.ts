/** S3 stores for the tests, on the test server's bucket, each with a cache directory of its own unless given one. */
import { type Clock, systemClock } from "../../src/clock.js";
import { Config } from "../../src/config.js";
import { Store } from "../../src/index.js";
import type { S3Mode } from "../../src/store/s3/s3-handle.js";
import { createS3Backend } from "../../src/store/s3/s3-store.js";
import { freshCacheDir } from "./s3-server.js";

export interface OpenS3StoreOptions {
  dsn: string;
  /** Default: a fresh directory. */
  cacheDir?: string;
  /** Default `durable`. */
  mode?: S3Mode;
  clock?: Clock;
}

/** Open a store on an S3 DSN (the AWS environment must point at the test server: `startS3TestServer`). */
export async function openS3Store(opts: OpenS3StoreOptions): Promise<Store> {
  const config = new Config({ dsn: opts.dsn });
  const backend = await createS3Backend({
    dsn: opts.dsn,
    cacheDir: opts.cacheDir ?? freshCacheDir(),
    mode: opts.mode ?? "durable",
    busyTimeoutMs: config.sqlite.busyTimeoutMs,
    requestTimeoutMs: 10_000,
  });
  return new Store(backend, config, opts.clock ?? systemClock);
}
