/**
 * The S3 backend: a SQLite database cached in a local file and published to S3 as one object (spec §4.3). Every
 * store operation is the SQLite backend's, run on the cache; this module only adds what S3 needs around it, one
 * operation at a time (the gate):
 * - `durable` mode (default): before each operation the cache is brought to the object's current revision (one
 *   HEAD; a GET when another writer published), and a write is published with a conditional PUT before its call
 *   resolves. Whether an operation wrote is read from SQLite's file change counter, so reads and writes that
 *   change nothing (an empty dequeue) cost no PUT, and no list of write operations can fall out of date.
 * - `local` mode: operations touch only the cache; `asS3(store).sync()` publishes, `snapshot()` pulls.
 */
import { PgqrsError, storeClosed } from "../../errors.js";
import type { StoreBackend } from "../store.js";
import { createSqliteBackend } from "../sqlite/sqlite-store.js";
import { S3_CAPABILITIES } from "./s3-backend.js";
import { cacheFilePath, ensureCacheDir } from "./s3-cache-file.js";
import { parseS3Dsn, type S3Dsn } from "./s3-dsn.js";
import { Gate } from "./s3-gate.js";
import { registerS3Handle, type S3Mode, type S3StoreHandle } from "./s3-handle.js";
import { openObjectStore, type S3ObjectStore } from "./s3-object-store.js";
import { S3Replica } from "./s3-replica.js";

export interface S3BackendOptions {
  /** `s3://bucket/key`. */
  dsn: string;
  /** Directory of the local cache (created when missing). One store per cache file at a time. */
  cacheDir: string;
  /** `durable` or `local`. */
  mode: S3Mode;
  /** How long a statement waits for a SQLite lock on the cache file, in milliseconds. */
  busyTimeoutMs: number;
  /** Connection and request timeout of S3 calls, in milliseconds. */
  requestTimeoutMs: number;
  /** The object store to use instead of the AWS SDK's (tests of the sync rules). Default: the SDK from env. */
  objectStore?: S3ObjectStore;
}

/** One cache file's replica, shared by the stores of this process that open it (like connections to one file). */
interface SharedCache {
  replica: S3Replica;
  gate: Gate;
  objects: S3ObjectStore;
  mode: S3Mode;
  refs: number;
}

/** Cache files open in this process: two replicas of one file would overwrite each other's revisions. */
const openCaches = new Map<string, SharedCache>();

async function openShared(opts: S3BackendOptions, dsn: S3Dsn, file: string): Promise<SharedCache> {
  const existing = openCaches.get(file);
  if (existing !== undefined) {
    if (existing.mode !== opts.mode) {
      throw new PgqrsError(
        "INVALID_CONFIG",
        `Invalid configuration value for s3.mode: another open store in this process caches ${opts.dsn} in ` +
          `${opts.cacheDir} in ${existing.mode} mode; stores sharing a cache directory share its mode (or give ` +
          "this one its own s3.cacheDir)",
        { details: { field: "s3.mode", mode: opts.mode, cacheDir: opts.cacheDir } },
      );
    }
    existing.refs += 1;
    return existing;
  }
  const objects = opts.objectStore ?? (await openObjectStore(dsn, opts.requestTimeoutMs));
  // Opened while the SDK loaded? Share that one.
  const raced = openCaches.get(file);
  if (raced !== undefined) {
    if (opts.objectStore === undefined) objects.close();
    return openShared(opts, dsn, file);
  }
  // The whole file is the unit of publication, so no WAL: a committed transaction is entirely in the file.
  const replica = new S3Replica(dsn, file, objects, (path) =>
    // The cache file is this package's own: created and opened for writing at once, as the replica expects.
    createSqliteBackend({ path, useWal: false, busyTimeoutMs: opts.busyTimeoutMs, openForWrites: true }),
  );
  const shared: SharedCache = { replica, gate: new Gate(), objects, mode: opts.mode, refs: 1 };
  openCaches.set(file, shared);
  return shared;
}

/**
 * Open an S3 store backend. INVALID_CONFIG for a bad DSN; DRIVER_NOT_INSTALLED without `@aws-sdk/client-s3`. Stores
 * of one process on the same object and cache directory share one replica, one at a time, as connections to one
 * database file would.
 */
export async function createS3Backend(opts: S3BackendOptions): Promise<StoreBackend> {
  const dsn = parseS3Dsn(opts.dsn);
  ensureCacheDir(opts.cacheDir);
  const file = cacheFilePath(opts.cacheDir, dsn);
  const shared = await openShared(opts, dsn, file);
  const { replica, gate, objects } = shared;
  const durable = opts.mode === "durable";

  let closed = false;
  const run = <T>(op: (db: StoreBackend) => Promise<T>): Promise<T> =>
    gate.run(async () => {
      if (closed) throw storeClosed();
      if (durable) await replica.refresh();
      let result: T;
      try {
        result = await op(replica.db);
      } catch (err) {
        // A failed operation rolled its transaction back; one that committed part of its work is published.
        if (durable) await replica.publish();
        throw err;
      }
      if (durable) await replica.publish();
      return result;
    });

  /** The handle's own operations: no durable refresh around them (they are the sync steps themselves). */
  const direct = <T>(fn: () => Promise<T>): Promise<T> =>
    gate.run(async () => {
      if (closed) throw storeClosed();
      return fn();
    });

  const backend: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(replica.db)) {
    if (typeof value !== "function" || name === "close" || name === "listen") continue;
    backend[name] = (...args: unknown[]) =>
      run((db) => (db[name as keyof StoreBackend] as (...a: unknown[]) => Promise<unknown>)(...args));
  }
  backend.close = () =>
    gate.run(async () => {
      if (closed) return;
      closed = true;
      shared.refs -= 1;
      if (shared.refs > 0) return;
      openCaches.delete(file);
      try {
        await replica.close();
      } finally {
        objects.close();
      }
    });
  backend.capabilities = S3_CAPABILITIES;
  const store = backend as unknown as StoreBackend;

  const handle: S3StoreHandle = {
    mode: opts.mode,
    bucket: dsn.bucket,
    key: dsn.key,
    cacheFile: file,
    bootstrap: () =>
      run(async () => {
        // Local mode: pull an existing object before the schema is installed over an empty cache.
        if (!durable && !replica.dirty()) {
          const s = await replica.state();
          if (s.state === "RemoteChanges" || s.state === "LocalMissing") await replica.snapshot();
        }
        await replica.db.install();
      }),
    snapshot: (options) => direct(() => replica.snapshot(options)),
    sync: () => direct(() => replica.sync()),
    state: () => direct(() => replica.state()),
  };
  registerS3Handle(store, handle);
  return store;
}
