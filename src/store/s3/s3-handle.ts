/**
 * What `pgqrs.asS3(store)` returns: the S3 backend's own operations (bootstrap, snapshot, sync, state), with
 * pgqrs's sync states. The registry maps each S3 store backend to its handle, so the API layer finds it without
 * knowing the backend's internals.
 */
import type { StoreBackend } from "../store.js";

/** When a write reaches S3: before its call resolves (`durable`), or on `sync()` (`local`). */
export type S3Mode = "durable" | "local";

/**
 * pgqrs's sync states, compared against the object's ETag now (one HEAD):
 * - `InSync`: the cache holds what the object holds;
 * - `LocalChanges`: the cache has writes not yet published, the object is unchanged (`sync()` publishes them);
 * - `RemoteChanges`: another writer published since, the cache is clean (`snapshot()` pulls it);
 * - `ConcurrentChanges`: both changed (`sync()` is a CONFLICT: one writer per object);
 * - `RemoteMissing`: there is no object (never published, or deleted); `localDirty` says whether `sync()` would
 *   publish;
 * - `LocalMissing`: the cache file was removed from under the store (`snapshot()` restores it).
 */
export type S3SyncStateName =
  | "InSync"
  | "LocalChanges"
  | "RemoteChanges"
  | "ConcurrentChanges"
  | "RemoteMissing"
  | "LocalMissing";

/** The state of an S3 store's cache against its object. */
export interface S3SyncState {
  /** Where the cache stands against the object (see {@link S3SyncStateName}). */
  state: S3SyncStateName;
  /** The cache has writes that are not published. */
  localDirty: boolean;
  /** The ETag the cache was last published as or pulled from; null before the first sync or snapshot. */
  localEtag: string | null;
  /** The object's ETag now; null when it does not exist. */
  remoteEtag: string | null;
}

/** What `sync()` did. */
export interface S3SyncResult {
  /** Whether a PUT happened (false: nothing to publish). */
  published: boolean;
  /** The object's ETag after the call; null when nothing was ever published. */
  etag: string | null;
}

/** What `snapshot()` did. */
export interface S3SnapshotResult {
  /** Whether the cache was replaced (false: it already held the object's current revision). */
  changed: boolean;
  /** The ETag of the revision the cache now holds. */
  etag: string;
}

/** The S3 operations of one store. */
export interface S3StoreHandle {
  /** `durable` (the default) or `local`. */
  readonly mode: S3Mode;
  /** The bucket the DSN names. */
  readonly bucket: string;
  /** The object key the DSN names. */
  readonly key: string;
  /** The local cache file (under `s3.cacheDir`). */
  readonly cacheFile: string;
  /**
   * Make the store usable: pull the object first when it exists and the cache has nothing unpublished, then install
   * or upgrade the schema (idempotent). In durable mode the result is published before this resolves (the object is
   * created when missing); in local mode the next `sync()` publishes it.
   */
  bootstrap(): Promise<void>;
  /**
   * Pull the object into the cache (no-op when the cache already holds its current revision). CONFLICT when the
   * cache has unpublished writes, unless `discardLocalChanges: true`; QUERY_FAILED when there is no object.
   */
  snapshot(options?: { discardLocalChanges?: boolean }): Promise<S3SnapshotResult>;
  /**
   * Publish the cache's unpublished writes with a conditional PUT (no-op when there are none). CONFLICT when another
   * writer published first (`If-Match` failed) or the object appeared since (`If-None-Match` failed); the cache keeps
   * its writes. A deleted object is created again.
   */
  sync(): Promise<S3SyncResult>;
  /** The cache's state against the object (one HEAD). */
  state(): Promise<S3SyncState>;
}

const handles = new WeakMap<StoreBackend, S3StoreHandle>();

/** Remember the handle of an S3 store backend. */
export function registerS3Handle(backend: StoreBackend, handle: S3StoreHandle): void {
  handles.set(backend, handle);
}

/** The handle of an S3 store backend, or undefined for any other backend. */
export function s3HandleOf(backend: StoreBackend): S3StoreHandle | undefined {
  return handles.get(backend);
}
