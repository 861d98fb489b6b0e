/**
 * The S3 the tests use: fauxqs (an S3 emulator from npm) on a free loopback port, behind the conditional-write proxy
 * (s3-conditional-proxy.ts), since the emulator ignores `If-Match` / `If-None-Match` on PUT. Each test file starts
 * its own in `beforeAll`, and `useS3Env` points the AWS SDK at it through the standard AWS environment.
 */
import { CreateBucketCommand, DeleteObjectCommand, HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { buildApp } from "fauxqs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ConditionalProxy, startConditionalProxy } from "./s3-conditional-proxy.js";

export interface S3TestServer {
  /** The proxy's URL (what `AWS_ENDPOINT_URL` is set to). */
  readonly endpoint: string;
  /** The bucket created for the tests. */
  readonly bucket: string;
  /** Requests the proxy saw, by method, and `refused` conditional PUTs. */
  readonly counts: ConditionalProxy["counts"];
  /** The proxy's race and latency controls. */
  readonly proxy: ConditionalProxy;
  /** A fresh `s3://bucket/<unique>.sqlite` DSN. */
  freshDsn(stem?: string): string;
  /** The object's ETag now, or null when it does not exist. */
  etagOf(dsn: string): Promise<string | null>;
  /** Delete the object behind a DSN. */
  deleteObject(dsn: string): Promise<void>;
  stop(): Promise<void>;
}

const CREDENTIALS = { accessKeyId: "test", secretAccessKey: "test" };

let counter = 0;

/** A fresh, empty cache directory. */
export function freshCacheDir(): string {
  return mkdtempSync(join(tmpdir(), "pgqrs-s3-cache-"));
}

/** Start the emulator and the proxy, create the bucket, and set the AWS environment variables to reach them. */
export async function startS3TestServer(bucket = "pgqrs-test"): Promise<S3TestServer> {
  const app = buildApp({ logger: false });
  await app.listen({ port: 0, host: "127.0.0.1" });
  const address = app.server.address();
  if (address === null || typeof address === "string") throw new Error("emulator has no port");
  const proxy = await startConditionalProxy(`http://127.0.0.1:${address.port}`);
  process.env.AWS_ENDPOINT_URL = proxy.endpoint;
  process.env.AWS_REGION = "us-east-1";
  process.env.AWS_ACCESS_KEY_ID = CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = CREDENTIALS.secretAccessKey;
  const client = new S3Client({
    endpoint: proxy.endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: CREDENTIALS,
  });
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  const keyOf = (dsn: string): string => dsn.slice(`s3://${bucket}/`.length);
  return {
    endpoint: proxy.endpoint,
    bucket,
    counts: proxy.counts,
    proxy,
    freshDsn(stem = "queue") {
      counter += 1;
      return `s3://${bucket}/${stem}-${process.pid}-${Date.now().toString(36)}-${counter}.sqlite`;
    },
    async etagOf(dsn) {
      try {
        const out = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: keyOf(dsn) }));
        return out.ETag ?? null;
      } catch (err) {
        if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return null;
        throw err;
      }
    },
    async deleteObject(dsn) {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: keyOf(dsn) }));
    },
    async stop() {
      client.destroy();
      await proxy.stop();
      await app.close();
    },
  };
}
