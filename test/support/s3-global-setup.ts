/**
 * Vitest global setup: when `PGQRS_TEST_BACKENDS` is unset or names `s3`, start one S3 emulator (with the conditional-write
 * proxy) for the whole run and point the AWS environment at it; otherwise do nothing. The S3 test files beside it
 * (test/store/s3-*.test.ts) start their own.
 */
import { S3_SUITE_BUCKET } from "./s3-suite.js";

export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  const env = process.env.PGQRS_TEST_BACKENDS?.trim();
  const wanted = env ? env.split(",").map((k) => k.trim()) : ["s3"];
  if (!wanted.includes("s3")) return undefined;
  const { startS3TestServer } = await import("./s3-server.js");
  const server = await startS3TestServer(S3_SUITE_BUCKET);
  return () => server.stop();
}
