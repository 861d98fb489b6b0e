/**
 * The cache of one S3 object and its sync rules (spec §4.3): `state()` compares the cache's revision and its
 * unpublished writes with the object's ETag; `snapshot()` pulls the object into the cache (refused while the cache
 * has unpublished writes); `sync()` publishes the cache with a conditional PUT. `refresh()` and `publish()` are
 * durable mode's steps around every store operation. The caller runs one method at a time (the store's gate).
 */
import { isPgqrsError, PgqrsError } from "../../errors.js";
import type { StoreBackend } from "../store.js";
import {
  type CacheRevision,
  changeCounter,
  contentEtag,
  discardCacheFile,
  readCacheFile,
  readRevision,
  replaceCacheFile,
  writeRevision,
} from "./s3-cache-file.js";
import type { S3Dsn } from "./s3-dsn.js";
import type { S3SnapshotResult, S3SyncResult, S3SyncState } from "./s3-handle.js";
import type { S3ObjectStore } from "./s3-object-store.js";

/** Opens the SQLite database of the cache file. */
export type OpenDatabase = (file: string) => StoreBackend;

export class S3Replica {
  readonly file: string;
  readonly #dsn: S3Dsn;
  readonly #objects: S3ObjectStore;
  readonly #open: OpenDatabase;
  #db: StoreBackend;
  #rev: CacheRevision;

  /** Open the cache file, resuming it when its record names this object, starting empty otherwise. */
  constructor(dsn: S3Dsn, file: string, objects: S3ObjectStore, open: OpenDatabase) {
    this.#dsn = dsn;
    this.file = file;
    this.#objects = objects;
    this.#open = open;
    const resumed = readRevision(file, dsn);
    if (resumed === null) discardCacheFile(file);
    this.#db = open(file);
    this.#rev = resumed ?? { etag: null, counter: changeCounter(file) ?? 0 };
    if (resumed === null) writeRevision(file, dsn, this.#rev);
  }

  /** The SQLite backend of the cache (replaced by a snapshot). */
  get db(): StoreBackend {
    return this.#db;
  }

  get #object(): string {
    return `s3://${this.#dsn.bucket}/${this.#dsn.key}`;
  }

  #localMissing(): boolean {
    return changeCounter(this.file) === null;
  }

  /** The cache has writes that are not published. */
  dirty(): boolean {
    const counter = changeCounter(this.file);
    return counter !== null && counter !== this.#rev.counter;
  }

  async state(): Promise<S3SyncState> {
    const missing = this.#localMissing();
    const localDirty = !missing && this.dirty();
    const remoteEtag = await this.#objects.head();
    const base = { localDirty, localEtag: this.#rev.etag, remoteEtag };
    if (missing) return { state: "LocalMissing", ...base };
    if (remoteEtag === null) return { state: "RemoteMissing", ...base };
    if (remoteEtag === this.#rev.etag) return { state: localDirty ? "LocalChanges" : "InSync", ...base };
    if (localDirty && this.#adoptIfPublished(remoteEtag)) {
      return { state: "InSync", localDirty: false, localEtag: remoteEtag, remoteEtag };
    }
    return { state: localDirty ? "ConcurrentChanges" : "RemoteChanges", ...base };
  }

  async snapshot(options: { discardLocalChanges?: boolean } = {}): Promise<S3SnapshotResult> {
    const missing = this.#localMissing();
    if (!missing && this.dirty() && options.discardLocalChanges !== true) {
      throw new PgqrsError(
        "CONFLICT",
        `Conflict: Snapshot refused for key '${this.#dsn.key}': local store has unsynced writes. ` +
          "Publish them with sync(), or pass { discardLocalChanges: true } to drop them",
        { details: { object: this.#object, operation: "snapshot" } },
      );
    }
    const remote = await this.#objects.head();
    if (remote === null) throw this.#notFound("snapshot");
    if (!missing && remote === this.#rev.etag && !this.dirty()) return { changed: false, etag: remote };
    const got = await this.#objects.get();
    if (got === null) throw this.#notFound("snapshot");
    await this.#db.close();
    try {
      replaceCacheFile(this.file, got.bytes);
    } finally {
      this.#db = this.#open(this.file);
    }
    this.#record({ etag: got.etag, counter: changeCounter(this.file) ?? 0 });
    return { changed: true, etag: got.etag };
  }

  async sync(): Promise<S3SyncResult> {
    if (this.#localMissing()) {
      throw new PgqrsError(
        "CONFLICT",
        `Conflict: Sync CAS failed for key '${this.#dsn.key}': local cache file is missing (${this.file}). ` +
          "Pull the object again with snapshot()",
        { details: { object: this.#object, operation: "sync" } },
      );
    }
    if (!this.dirty()) return { published: false, etag: this.#rev.etag };
    const bytes = readCacheFile(this.file);
    const counter = bytes.length < 28 ? 0 : bytes.readUInt32BE(24);
    const base = this.#rev.etag;
    try {
      let out = await this.#objects.put(bytes, base === null ? { ifNoneMatch: "*" } : { ifMatch: base });
      // The object was deleted since: publish it anew (still conditional, so a writer that recreated it wins).
      if ("missing" in out) out = await this.#objects.put(bytes, { ifNoneMatch: "*" });
      if ("missing" in out) throw new Error("unreachable: If-None-Match PUT reported a missing object");
      this.#record({ etag: out.etag, counter });
      return { published: true, etag: out.etag };
    } catch (err) {
      if (!isPgqrsError(err) || err.code !== "CONFLICT") throw err;
      // An earlier PUT of these very bytes may have landed without this process hearing back.
      const remote = await this.#objects.head().catch(() => null);
      if (remote !== null && remote === contentEtag(bytes)) {
        this.#record({ etag: remote, counter });
        return { published: true, etag: remote };
      }
      throw new PgqrsError(
        "CONFLICT",
        `Conflict: Sync CAS failed for key '${this.#dsn.key}': local and remote changed concurrently from ` +
          `baseline ${base ?? "(none: the object did not exist)"}; the object is now ${remote ?? "(missing)"}. ` +
          "One writer per object: this store's writes were not published",
        { cause: err, details: { object: this.#object, operation: "sync", baseline: base, remote } },
      );
    }
  }

  /**
   * Durable mode, before every operation: bring the cache to the object's current revision. Unpublished writes in
   * the cache were never acknowledged (a durable write resolves only once published): they are published when the
   * object is unchanged or missing, and dropped when another writer published since.
   */
  async refresh(): Promise<void> {
    const remote = await this.#objects.head();
    if (this.#localMissing()) {
      if (remote !== null) await this.snapshot({ discardLocalChanges: true });
      else await this.#restartEmpty();
      return;
    }
    const dirty = this.dirty();
    if (remote === this.#rev.etag || remote === null) {
      if (dirty) await this.sync();
      return;
    }
    if (dirty && this.#adoptIfPublished(remote)) return;
    await this.snapshot({ discardLocalChanges: true });
  }

  /**
   * Durable mode, after every operation: publish what it wrote. On CONFLICT the write is rolled back (the cache
   * pulls the other writer's revision) and the CONFLICT rejects the call: nothing it wrote was acknowledged.
   */
  async publish(): Promise<void> {
    if (!this.dirty()) return;
    try {
      await this.sync();
    } catch (err) {
      if (!isPgqrsError(err) || err.code !== "CONFLICT") throw err;
      await this.snapshot({ discardLocalChanges: true }).catch(() => undefined);
      throw new PgqrsError(
        "CONFLICT",
        `Conflict: Durable S3 write refused for ${this.#object}: another writer published first. ` +
          "This call's write was rolled back and the store now holds the other writer's revision; retry the call",
        { cause: err, details: { object: this.#object, operation: "publish" } },
      );
    }
  }

  async close(): Promise<void> {
    await this.#db.close();
  }

  /** The cache's unpublished bytes are exactly the object's: an earlier PUT landed unheard. */
  #adoptIfPublished(remoteEtag: string): boolean {
    const bytes = readCacheFile(this.file);
    if (contentEtag(bytes) !== remoteEtag) return false;
    this.#record({ etag: remoteEtag, counter: bytes.length < 28 ? 0 : bytes.readUInt32BE(24) });
    return true;
  }

  /** The cache file was removed and there is no object: start over from an empty database. */
  async #restartEmpty(): Promise<void> {
    await this.#db.close();
    this.#db = this.#open(this.file);
    this.#record({ etag: null, counter: changeCounter(this.file) ?? 0 });
  }

  #record(rev: CacheRevision): void {
    this.#rev = rev;
    writeRevision(this.file, this.#dsn, rev);
  }

  #notFound(op: string): PgqrsError {
    return new PgqrsError(
      "QUERY_FAILED",
      `S3 ${op} of ${this.#object}: the object does not exist (nothing was published yet, or it was deleted). ` +
        "Create it with asS3(store).bootstrap()",
      { details: { object: this.#object, operation: op, notFound: true } },
    );
  }
}
