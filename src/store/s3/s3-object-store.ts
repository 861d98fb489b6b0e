/**
 * The one S3 object the backend publishes, over the AWS SDK: HEAD for its ETag, GET for its bytes, and conditional
 * PUTs, the compare-and-swap every publish goes through (`If-Match: <last ETag>`, or `If-None-Match: *` when this
 * store has never seen the object). S3 answers a failed condition with 412 (or 409 when two conditional writes
 * race); both are a CONFLICT here. The client reads the standard AWS environment: `AWS_ENDPOINT_URL` (or
 * `AWS_ENDPOINT_URL_S3`) for an S3-compatible server, addressed path-style; `AWS_REGION` (default `us-east-1`);
 * credentials from the SDK's usual chain.
 */
import { PgqrsError } from "../../errors.js";
import { loadS3Driver, type S3ClientLike, type S3ClientOptions, type S3Module } from "./s3-driver.js";
import type { S3Dsn } from "./s3-dsn.js";

/** What a conditional PUT requires of the object. */
export type PutCondition = { ifMatch: string } | { ifNoneMatch: "*" };

/** A PUT's outcome: the new ETag, or `missing` when `If-Match` named an object that no longer exists. */
export type PutResult = { etag: string } | { missing: true };

/** The object's operations, as the sync logic needs them. */
export interface S3ObjectStore {
  readonly bucket: string;
  readonly key: string;
  /** The object's ETag, or null when it does not exist. */
  head(): Promise<string | null>;
  /** The object's bytes and ETag, or null when it does not exist. */
  get(): Promise<{ etag: string; bytes: Uint8Array } | null>;
  /** A conditional PUT of the whole object; CONFLICT when the condition fails. */
  put(bytes: Uint8Array, condition: PutCondition): Promise<PutResult>;
  /** Release the client's sockets. */
  close(): void;
}

/** Client settings from the environment (`env` defaults to `process.env`). */
export function s3ClientOptions(timeoutMs: number, env: NodeJS.ProcessEnv = process.env): S3ClientOptions {
  const options: S3ClientOptions = {
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || "us-east-1",
    requestHandler: { connectionTimeout: timeoutMs, requestTimeout: timeoutMs },
    // The SDK's default CRC32 of every upload costs CPU on each publish of the whole file, and several S3-compatible
    // servers refuse its headers; checksums are still sent where an operation requires them.
    requestChecksumCalculation: "WHEN_REQUIRED",
  };
  const endpoint = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL;
  if (endpoint) {
    options.endpoint = endpoint;
    // S3-compatible servers (MinIO, LocalStack, emulators) serve buckets by path, not by host name.
    options.forcePathStyle = true;
  }
  return options;
}

/** The object store for an S3 DSN; loads the SDK on first use (DRIVER_NOT_INSTALLED when it is missing). */
export async function openObjectStore(dsn: S3Dsn, timeoutMs: number): Promise<S3ObjectStore> {
  const sdk = await loadS3Driver();
  return new SdkObjectStore(sdk, new sdk.S3Client(s3ClientOptions(timeoutMs)), dsn);
}

class SdkObjectStore implements S3ObjectStore {
  readonly bucket: string;
  readonly key: string;
  readonly #sdk: S3Module;
  readonly #client: S3ClientLike;

  constructor(sdk: S3Module, client: S3ClientLike, dsn: S3Dsn) {
    this.#sdk = sdk;
    this.#client = client;
    this.bucket = dsn.bucket;
    this.key = dsn.key;
  }

  async head(): Promise<string | null> {
    try {
      const out = (await this.#client.send(new this.#sdk.HeadObjectCommand(this.#input()))) as { ETag?: string };
      return etagOf(out.ETag, "HEAD");
    } catch (err) {
      if (isMissing(err)) return null;
      throw this.#translate(err, "HEAD");
    }
  }

  async get(): Promise<{ etag: string; bytes: Uint8Array } | null> {
    try {
      const out = (await this.#client.send(new this.#sdk.GetObjectCommand(this.#input()))) as {
        ETag?: string;
        Body?: { transformToByteArray(): Promise<Uint8Array> };
      };
      if (out.Body === undefined) throw new Error("GET returned no body");
      return { etag: etagOf(out.ETag, "GET"), bytes: await out.Body.transformToByteArray() };
    } catch (err) {
      if (isMissing(err)) return null;
      throw this.#translate(err, "GET");
    }
  }

  async put(bytes: Uint8Array, condition: PutCondition): Promise<PutResult> {
    const input = {
      ...this.#input(),
      Body: bytes,
      ContentType: "application/vnd.sqlite3",
      ...("ifMatch" in condition ? { IfMatch: condition.ifMatch } : { IfNoneMatch: "*" }),
    };
    try {
      const out = (await this.#client.send(new this.#sdk.PutObjectCommand(input))) as { ETag?: string };
      return { etag: etagOf(out.ETag, "PUT") };
    } catch (err) {
      if ("ifMatch" in condition && isMissing(err)) return { missing: true };
      throw this.#translate(err, "PUT");
    }
  }

  close(): void {
    this.#client.destroy();
  }

  #input(): { Bucket: string; Key: string } {
    return { Bucket: this.bucket, Key: this.key };
  }

  #translate(err: unknown, op: string): PgqrsError {
    return translateS3Error(err, op, `s3://${this.bucket}/${this.key}`);
  }
}

function etagOf(etag: string | undefined, op: string): string {
  if (etag === undefined || etag === "") throw new Error(`${op} answered without an ETag`);
  return etag;
}

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

function statusOf(err: unknown): number | undefined {
  return (err as SdkError | null)?.$metadata?.httpStatusCode;
}

function isMissing(err: unknown): boolean {
  const name = (err as SdkError | null)?.name;
  return statusOf(err) === 404 && name !== "NoSuchBucket";
}

const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EHOSTUNREACH", "ENOTFOUND", "EPIPE", "EAI_AGAIN"]);

/**
 * An SDK failure as a PgqrsError, by HTTP status and error name (never by message text): 412 and 409 → CONFLICT,
 * a timeout → TIMEOUT, a refused or reset connection → CONNECTION_FAILED, anything else → QUERY_FAILED.
 */
export function translateS3Error(err: unknown, op: string, object: string): PgqrsError {
  if (err instanceof PgqrsError) return err;
  const e = (err ?? {}) as SdkError;
  const status = statusOf(err);
  const what = `${e.name ?? "Error"}${status === undefined ? "" : ` (HTTP ${status})`}: ${e.message ?? String(err)}`;
  const details = { operation: op, object, ...(status === undefined ? {} : { status }) };
  if (status === 412 || status === 409) {
    return new PgqrsError(
      "CONFLICT",
      `Conflict: ObjectStore ${op} conflict for ${object}: another writer changed the object first (${what})`,
      { cause: err, details },
    );
  }
  if (e.name === "TimeoutError" || e.code === "ETIMEDOUT" || e.name === "RequestTimeout") {
    return new PgqrsError("TIMEOUT", `S3 ${op} of ${object} timed out: ${what}`, { cause: err, details });
  }
  if (e.code !== undefined && NETWORK_CODES.has(e.code)) {
    return new PgqrsError(
      "CONNECTION_FAILED",
      `S3 ${op} of ${object} could not reach the server (check AWS_ENDPOINT_URL): ${what}`,
      { cause: err, details },
    );
  }
  return new PgqrsError("QUERY_FAILED", `S3 ${op} of ${object} failed: ${what}`, { cause: err, details });
}
