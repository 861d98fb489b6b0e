/** Worker rows: registration, guarded status transitions, heartbeats, listings, deletion. */
import { ValidationError } from "../../errors.js";
import type { Page, WorkerRecord, WorkerStatus } from "../../types.js";
import type { RegisterWorkerParams, TransitionWorkerParams } from "../store.js";
import { EPHEMERAL_WORKER_PREFIX, type WorkerFilter } from "../worker-filter.js";
import type { SqliteConnection } from "./sqlite-connection.js";
import { pageOf, toWorker, type WorkerRow, whereClause } from "./sqlite-rows.js";
import { encodeTime } from "./sqlite-time.js";

/*
 * Insert a fresh worker, or take over a stopped row of the same name, in one statement; the UNIQUE(name) conflict
 * arbitrates between two registrations racing for one name. No row back means the name is held by a live worker.
 * background_heartbeat_since = started_at marks the row as a worker that heartbeats in the background (every worker
 * of this package does): only such rows are reclaimed as zombies (migration 0004).
 */
const REGISTER_SQL = `INSERT INTO pgqrs_workers (name, queue_id, started_at, heartbeat_at, status, background_heartbeat_since)
VALUES (@name, @queueId, @now, @now, 'ready', @now)
ON CONFLICT (name) DO UPDATE
  SET queue_id = excluded.queue_id, started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at,
      shutdown_at = NULL, status = 'ready', background_heartbeat_since = excluded.background_heartbeat_since
  WHERE pgqrs_workers.status = 'stopped'
RETURNING *`;

export function registerWorker(c: SqliteConnection, p: RegisterWorkerParams): WorkerRecord {
  const row = c.get<WorkerRow>(REGISTER_SQL, { name: p.name, queueId: p.queueId, now: encodeTime(p.now) });
  if (row !== undefined) return toWorker(row);
  const existing = c.get<{ status: WorkerStatus }>("SELECT status FROM pgqrs_workers WHERE name = ?", p.name);
  if (existing?.status === "suspended") {
    throw new ValidationError(`Worker ${p.name} is suspended. Use resume() to reactivate.`, { name: p.name });
  }
  throw new ValidationError(`Worker ${p.name} is already active. Cannot register duplicate.`, { name: p.name });
}

export function transitionWorker(c: SqliteConnection, p: TransitionWorkerParams): WorkerRecord | null {
  if (p.from.length === 0) return null;
  const row = c.get<WorkerRow>(
    `UPDATE pgqrs_workers
     SET status = @to, shutdown_at = CASE WHEN @to = 'stopped' THEN @now ELSE shutdown_at END
     WHERE id = @id AND status IN (SELECT value FROM json_each(@from))
     RETURNING *`,
    { to: p.to, now: encodeTime(p.now), id: p.id, from: JSON.stringify(p.from) },
  );
  return row === undefined ? null : toWorker(row);
}

export function heartbeat(c: SqliteConnection, p: { id: number; now: Date }): boolean {
  return c.run("UPDATE pgqrs_workers SET heartbeat_at = ? WHERE id = ?", encodeTime(p.now), p.id) > 0;
}

export function heartbeatMany(c: SqliteConnection, p: { ids: readonly number[]; now: Date }): number[] {
  if (p.ids.length === 0) return [];
  const ids = JSON.stringify(p.ids);
  // A stopped worker keeps its last heartbeat (purgeOldWorkers goes by it) but still counts as present.
  c.run(
    "UPDATE pgqrs_workers SET heartbeat_at = ? WHERE id IN (SELECT value FROM json_each(?)) AND status <> 'stopped'",
    encodeTime(p.now),
    ids,
  );
  const rows = c.all<{ id: number }>("SELECT id FROM pgqrs_workers WHERE id IN (SELECT value FROM json_each(?))", ids);
  const alive = new Set(rows.map((r) => r.id));
  return p.ids.filter((id) => alive.delete(id));
}

export function getWorker(c: SqliteConnection, id: number): WorkerRecord | null {
  const row = c.get<WorkerRow>("SELECT * FROM pgqrs_workers WHERE id = ?", id);
  return row === undefined ? null : toWorker(row);
}

export function getWorkerByName(c: SqliteConnection, name: string): WorkerRecord | null {
  const row = c.get<WorkerRow>("SELECT * FROM pgqrs_workers WHERE name = ?", name);
  return row === undefined ? null : toWorker(row);
}

function filterOf(p: WorkerFilter): { where: string; params: (number | string)[] } {
  const conditions: string[] = [];
  const params: (number | string)[] = [];
  if (p.queueId !== undefined) {
    conditions.push("queue_id = ?");
    params.push(p.queueId);
  }
  if (p.status !== undefined) {
    conditions.push("status = ?");
    params.push(p.status);
  }
  if (p.hideStopped === true) conditions.push("status <> 'stopped'");
  if (p.hideEphemeral === true) {
    conditions.push("substr(name, 1, ?) <> ?");
    params.push(EPHEMERAL_WORKER_PREFIX.length, EPHEMERAL_WORKER_PREFIX);
  }
  return { where: whereClause(conditions), params };
}

export function listWorkers(c: SqliteConnection, p: WorkerFilter & Page): WorkerRecord[] {
  const { where, params } = filterOf(p);
  const [limit, offset] = pageOf(p);
  return c
    .all<WorkerRow>(
      `SELECT * FROM pgqrs_workers ${where} ORDER BY started_at DESC, id DESC LIMIT ? OFFSET ?`,
      ...params,
      limit,
      offset,
    )
    .map(toWorker);
}

export function countWorkers(c: SqliteConnection, p: WorkerFilter): number {
  const { where, params } = filterOf(p);
  return c.get<{ n: number }>(`SELECT COUNT(*) AS n FROM pgqrs_workers ${where}`, ...params)?.n ?? 0;
}

export function countWorkerReferences(c: SqliteConnection, id: number): number {
  const row = c.get<{ n: number }>(
    "SELECT COUNT(*) AS n FROM pgqrs_messages WHERE producer_worker_id = @id OR consumer_worker_id = @id",
    { id },
  );
  return row?.n ?? 0;
}

export function countHeldMessages(c: SqliteConnection, p: { workerId: number }): number {
  const row = c.get<{ n: number }>(
    `SELECT COUNT(*) AS n FROM pgqrs_messages m JOIN pgqrs_workers w ON w.id = m.consumer_worker_id
     WHERE m.consumer_worker_id = ? AND m.archived_at IS NULL AND m.queue_id IS w.queue_id`,
    p.workerId,
  );
  return row?.n ?? 0;
}

export function deleteWorker(c: SqliteConnection, id: number): number {
  // IMMEDIATE: no message may start referencing the worker between the count and the delete.
  return c.immediate(() => {
    const refs = countWorkerReferences(c, id);
    if (refs > 0) {
      throw new ValidationError(`Worker has ${refs} references (associated messages/archives)`, { workerId: id });
    }
    return c.run("DELETE FROM pgqrs_workers WHERE id = ?", id);
  });
}
