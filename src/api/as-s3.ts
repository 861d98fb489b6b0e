/**
 * `pgqrs.asS3(store)`: the S3 operations of a store opened on an `s3://bucket/key` DSN (bootstrap, snapshot, sync,
 * state), as pgqrs's `as_s3` gives them.
 */
import { ValidationError } from "../errors.js";
import { s3HandleOf, type S3StoreHandle } from "../store/s3/s3-handle.js";
import type { Store } from "./pgqrs-store.js";

export type {
  S3Mode,
  S3SnapshotResult,
  S3StoreHandle,
  S3SyncResult,
  S3SyncState,
  S3SyncStateName,
} from "../store/s3/s3-handle.js";

/**
 * The S3 operations of `store`. VALIDATION_FAILED naming the store's backend when it is not an S3 store;
 * STORE_CLOSED when it is closed.
 */
export function asS3(store: Store): S3StoreHandle {
  store.context.assertOpen();
  const handle = s3HandleOf(store.context.backend);
  if (handle === undefined) {
    const backend = store.backendName();
    throw new ValidationError(
      `asS3 needs a store opened on an S3 DSN (s3://bucket/key); this store's backend is '${backend}', expected 's3'`,
      { argument: "store", backend, expected: "s3" },
    );
  }
  return handle;
}
