/**
 * The local cache of the published database: one SQLite file per bucket and key under `s3.cacheDir`, and beside it
 * a small JSON record of the revision the file was last published as or pulled from (its ETag and SQLite's file
 * change counter then). With that record a restarted process resumes its cache: unsynced local-mode writes survive
 * a restart, and a cache whose record names another object is discarded.
 */
import { createHash } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync } from "node:fs";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { S3Dsn } from "./s3-dsn.js";

/** The revision a cache file holds, as last published or pulled. */
export interface CacheRevision {
  /** The object's ETag then; null when this cache never saw the object (nothing published yet). */
  etag: string | null;
  /** SQLite's file change counter then: the file has unpublished writes when its counter differs. */
  counter: number;
}

interface CacheRecord extends CacheRevision {
  bucket: string;
  key: string;
}

/** The cache file of one object in `cacheDir`: readable name, plus a hash so that two keys never share a file. */
export function cacheFilePath(cacheDir: string, dsn: S3Dsn): string {
  const base = (dsn.key.split("/").pop() ?? "db").replace(/[^A-Za-z0-9._-]/g, "_").replace(/\.sqlite3?$|\.db$/, "");
  const digest = createHash("sha256").update(`${dsn.bucket}/${dsn.key}`).digest("hex").slice(0, 12);
  return join(cacheDir, `pgqrs-${base}-${digest}.sqlite`);
}

/**
 * SQLite's file change counter (header bytes 24–27): incremented by every transaction that changes the file in
 * rollback-journal mode (the S3 backend never uses WAL), so comparing it tells whether there is anything to
 * publish without reading the file. 0 for an empty file; null when the file is missing.
 */
export function changeCounter(file: string): number | null {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch {
    return null;
  }
  try {
    const buf = Buffer.alloc(4);
    const read = readSync(fd, buf, 0, 4, 24);
    return read < 4 ? 0 : buf.readUInt32BE(0);
  } finally {
    closeSync(fd);
  }
}

/** The file's bytes (the whole database: the journal is gone once a transaction has committed). */
export function readCacheFile(file: string): Buffer {
  return readFileSync(file);
}

/** The ETag S3 gives a single-part upload of these bytes (their MD5, quoted). */
export function contentEtag(bytes: Uint8Array): string {
  return `"${createHash("md5").update(bytes).digest("hex")}"`;
}

/** Replace the cache file with `bytes` (write beside it, then rename); the caller has closed the database. */
export function replaceCacheFile(file: string, bytes: Uint8Array): void {
  const tmp = `${file}.download`;
  writeFileSync(tmp, bytes);
  // A journal left beside the old file would be replayed into the new one.
  rmSync(`${file}-journal`, { force: true });
  renameSync(tmp, file);
}

/** Create the cache directory (and its parents) when missing. */
export function ensureCacheDir(cacheDir: string): void {
  mkdirSync(cacheDir, { recursive: true });
}

/** The recorded revision of the cache file, when the file exists and its record names this object. */
export function readRevision(file: string, dsn: S3Dsn): CacheRevision | null {
  if (!existsSync(file)) return null;
  try {
    const rec = JSON.parse(readFileSync(`${file}.json`, "utf8")) as Partial<CacheRecord>;
    if (rec.bucket !== dsn.bucket || rec.key !== dsn.key || typeof rec.counter !== "number") return null;
    return { etag: typeof rec.etag === "string" ? rec.etag : null, counter: rec.counter };
  } catch {
    return null;
  }
}

/** Record the revision the cache file now holds. */
export function writeRevision(file: string, dsn: S3Dsn, rev: CacheRevision): void {
  const rec: CacheRecord = { bucket: dsn.bucket, key: dsn.key, etag: rev.etag, counter: rev.counter };
  writeFileSync(`${file}.json.tmp`, JSON.stringify(rec));
  renameSync(`${file}.json.tmp`, `${file}.json`);
}

/** Remove a cache file that cannot be resumed, with its journal and record. */
export function discardCacheFile(file: string): void {
  for (const f of [file, `${file}-journal`, `${file}.json`]) rmSync(f, { force: true });
}
