/** Workers that stopped heartbeating: listing, reclaiming their messages, purging old stopped rows. */
import type { WorkerRecord } from "../../types.js";
import { EPHEMERAL_WORKER_PREFIX } from "../worker-filter.js";
import type { SqliteConnection } from "./sqlite-connection.js";
import { toWorker, type WorkerRow } from "./sqlite-rows.js";
import { encodeTime } from "./sqlite-time.js";

interface ZombieQuery {
  queueId?: number;
  olderThan: Date;
}

/**
 * Only workers that heartbeat in the background (registered by this package: `background_heartbeat_since =
 * started_at`) can be zombies: a pgqrs (Rust/Python) worker beats only while idle, so a stale heartbeat may just
 * mean a long handler; its messages come back when their leases expire.
 */
const ZOMBIE = "status <> 'stopped' AND background_heartbeat_since = started_at AND heartbeat_at < ?";

function zombieRows(c: SqliteConnection, p: ZombieQuery): WorkerRow[] {
  const olderThan = encodeTime(p.olderThan);
  if (p.queueId === undefined) {
    return c.all<WorkerRow>(`SELECT * FROM pgqrs_workers WHERE ${ZOMBIE} ORDER BY heartbeat_at, id`, olderThan);
  }
  return c.all<WorkerRow>(
    `SELECT * FROM pgqrs_workers WHERE queue_id = ? AND ${ZOMBIE} ORDER BY heartbeat_at, id`,
    p.queueId,
    olderThan,
  );
}

export function listZombies(c: SqliteConnection, p: ZombieQuery): WorkerRecord[] {
  return zombieRows(c, p).map(toWorker);
}

export function reclaimZombies(
  c: SqliteConnection,
  p: ZombieQuery & { now: Date },
): { released: number; workers: number[] } {
  // IMMEDIATE: a zombie that heartbeats again between the listing and the update must not be half-reclaimed.
  return c.immediate(() => {
    const workers = zombieRows(c, p).map((w) => w.id);
    if (workers.length === 0) return { released: 0, workers };
    const ids = JSON.stringify(workers);
    const now = encodeTime(p.now);
    const released = c.run(
      `UPDATE pgqrs_messages SET consumer_worker_id = NULL, vt = ?
       WHERE consumer_worker_id IN (SELECT value FROM json_each(?)) AND archived_at IS NULL`,
      now,
      ids,
    );
    c.run(
      "UPDATE pgqrs_workers SET status = 'stopped', shutdown_at = ? WHERE id IN (SELECT value FROM json_each(?))",
      now,
      ids,
    );
    return { released, workers };
  });
}

export function purgeOldWorkers(c: SqliteConnection, p: { olderThan: Date }): number {
  // The references are checked set-based, once per table for all the workers (purgeStopped), with SQLite's own
  // per-worker checks off: without an index on the referencing columns (pgqrs's schema has none that covers archived
  // messages, and one on every message would slow each enqueue by a third), each check read every message and every
  // run once per purged worker: 100 workers beside 200,000 archived messages held the write lock for 6.9 s.
  return c.immediateCheckingReferencesItself(() => {
    // Stopped ephemeral workers are referenced by every message they enqueued or handled, which would keep them
    // forever: their references are cleared first (see the PostgreSQL backend).
    const gone = `SELECT id FROM pgqrs_workers WHERE status = 'stopped' AND heartbeat_at < @olderThan
      AND substr(name, 1, @len) = @prefix`;
    const args = {
      olderThan: encodeTime(p.olderThan),
      len: EPHEMERAL_WORKER_PREFIX.length,
      prefix: EPHEMERAL_WORKER_PREFIX,
    };
    c.run(`UPDATE pgqrs_messages SET producer_worker_id = NULL WHERE producer_worker_id IN (${gone})`, args);
    c.run(`UPDATE pgqrs_messages SET consumer_worker_id = NULL WHERE consumer_worker_id IN (${gone})`, args);
    c.run(`UPDATE pgqrs_workflow_runs SET worker_id = NULL WHERE worker_id IN (${gone})`, args);
    return purgeStopped(c, p);
  });
}

/**
 * @internal Deletes the old stopped workers (heartbeat before `?`) nothing references. Every table that references
 * pgqrs_workers (pgqrs's files and ours alike) is read once, whatever the number of workers: each `IN` list is
 * built once per statement.
 */
export const PURGE_STOPPED_WORKERS_SQL = `DELETE FROM pgqrs_workers
  WHERE status = 'stopped' AND heartbeat_at < ?
    AND id NOT IN (SELECT producer_worker_id FROM pgqrs_messages WHERE producer_worker_id IS NOT NULL)
    AND id NOT IN (SELECT consumer_worker_id FROM pgqrs_messages WHERE consumer_worker_id IS NOT NULL)
    AND id NOT IN (SELECT worker_id FROM pgqrs_workflow_runs WHERE worker_id IS NOT NULL)`;

function purgeStopped(c: SqliteConnection, p: { olderThan: Date }): number {
  return c.run(PURGE_STOPPED_WORKERS_SQL, encodeTime(p.olderThan));
}
