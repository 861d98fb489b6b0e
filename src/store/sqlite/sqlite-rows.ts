/** Raw row shapes as better-sqlite3 returns them, and their mapping to the records of `types.ts`. */
import type {
  QueueMessage,
  QueueRecord,
  RunRecord,
  StepRecord,
  WorkerRecord,
  WorkerStatus,
  WorkflowRecord,
  WorkflowStatus,
} from "../../types.js";
import type { JsonValue } from "../../json-types.js";
import type { MessageError, RetryOptions } from "../../queue-controls-types.js";
import { deadLetteredAtOf } from "../dead-letters.js";
import type { RunWaitingFor } from "../run-primitives.js";
import { toAttemptErrors } from "../step-attempt-errors.js";
import { decodeTime, decodeTimeOrNull, encodeTime } from "./sqlite-time.js";

export interface QueueRow {
  id: number;
  queue_name: string;
  created_at: string;
  /** The settings columns, from `LEFT JOIN pgqrs_queue_settings` (see QUEUE_COLUMNS); NULL without a settings row. */
  retry?: string | null;
  concurrency_limit?: number | null;
  rate_max?: number | null;
  rate_per_ms?: number | null;
}

/** A queue with its settings: `SELECT ${QUEUE_COLUMNS} FROM ${QUEUE_FROM}`. */
export const QUEUE_COLUMNS =
  "q.id, q.queue_name, q.created_at, s.retry, s.concurrency_limit, s.rate_max, s.rate_per_ms";
export const QUEUE_FROM = "pgqrs_queues q LEFT JOIN pgqrs_queue_settings s ON s.queue_id = q.id";

export interface MessageRow {
  id: number;
  queue_id: number;
  payload: string;
  vt: string;
  enqueued_at: string;
  read_ct: number | null;
  dequeued_at: string | null;
  producer_worker_id: number | null;
  consumer_worker_id: number | null;
  archived_at: string | null;
  dead_lettered_at: string | null;
  /** Columns of migration 0010 (absent on a file not migrated yet). */
  priority?: number;
  dedup_key?: string | null;
  group_key?: string | null;
  last_error?: string | null;
  /** Migration 0013's column: JSON of the headers (trace context), or NULL. */
  headers?: string | null;
  /** Migration 0014's column: JSON of the last reported progress, or NULL. */
  progress?: string | null;
}

export interface WorkerRow {
  id: number;
  name: string;
  queue_id: number | null;
  started_at: string;
  heartbeat_at: string;
  shutdown_at: string | null;
  status: WorkerStatus;
}

export interface WorkflowRow {
  id: number;
  name: string;
  queue_id: number;
  created_at: string;
}

export interface RunRow {
  id: number;
  workflow_id: number;
  message_id: number;
  status: WorkflowStatus;
  input: string | null;
  output: string | null;
  error: string | null;
  created_at: string;
  updated_at: string;
  started_at: string | null;
  paused_at: string | null;
  completed_at: string | null;
  worker_id: number | null;
  parent_run_id: number | null;
  /** Absent on a file not migrated yet. */
  forked_from_run_id?: number | null;
  idempotency_key: string | null;
  waiting_for: string | null;
  attempts: number;
  /** Absent on a file not migrated yet. */
  version?: string | null;
}

export interface StepRow {
  id: number;
  run_id: number;
  step_name: string;
  status: WorkflowStatus;
  input: string | null;
  output: string | null;
  error: string | null;
  created_at: string;
  updated_at: string;
  started_at: string | null;
  completed_at: string | null;
  retry_count: number;
  retry_at: string | null;
  kind: string;
  /** NULL until a failure is recorded (and in rows of files older than migration 0006). */
  attempt_errors?: string | null;
}

/** A JSON column: SQL NULL reads as `null`, like JSON `null`. */
function parseJson(text: string | null): unknown {
  return text === null ? null : JSON.parse(text);
}

/**
 * `waiting_for` as stored: the engine's JSON of a {@link RunWaitingFor} with `until` rewritten in this schema's
 * timestamp form (see sqlite-time.ts), like every other time in the file. `null` stays `null`.
 */
export function encodeWaitingFor(json: string | null): string | null {
  if (json === null) return null;
  const w = JSON.parse(json) as { until?: unknown };
  if (w.until === undefined || w.until === null) return json;
  return JSON.stringify({ ...w, until: encodeTime(new Date(w.until as string | number)) });
}

/** The stored `waiting_for` with `until` as a Date (read tolerantly, as every timestamp: see decodeTime). */
export function decodeWaitingFor(text: string | null): RunWaitingFor | null {
  if (text === null) return null;
  const { until, ...rest } = JSON.parse(text) as Omit<RunWaitingFor, "until"> & { until?: unknown };
  return typeof until === "string" ? { ...rest, until: decodeTime(until) } : rest;
}

export function toQueue(r: QueueRow): QueueRecord {
  const rateMax = r.rate_max ?? null;
  const ratePerMs = r.rate_per_ms ?? null;
  return {
    id: r.id,
    queueName: r.queue_name,
    createdAt: decodeTime(r.created_at),
    retry: (parseJson(r.retry ?? null) as RetryOptions | null) ?? null,
    concurrencyLimit: r.concurrency_limit ?? null,
    rateLimit: rateMax === null || ratePerMs === null ? null : { max: rateMax, perSeconds: ratePerMs / 1000 },
  };
}

/** `last_error` as stored (JSON of a MessageError) or NULL. */
export function decodeMessageError(text: string | null | undefined): MessageError | null {
  return text === null || text === undefined ? null : (JSON.parse(text) as MessageError);
}

export function toMessage(r: MessageRow): QueueMessage {
  return {
    id: r.id,
    queueId: r.queue_id,
    payload: JSON.parse(r.payload),
    vt: decodeTime(r.vt),
    enqueuedAt: decodeTime(r.enqueued_at),
    readCt: r.read_ct ?? 0,
    dequeuedAt: decodeTimeOrNull(r.dequeued_at),
    producerWorkerId: r.producer_worker_id,
    consumerWorkerId: r.consumer_worker_id,
    archivedAt: decodeTimeOrNull(r.archived_at),
    deadLetteredAt: deadLetteredAtOf(decodeTimeOrNull(r.archived_at), decodeTimeOrNull(r.dead_lettered_at)),
    priority: r.priority ?? 0,
    dedupKey: r.dedup_key ?? null,
    groupKey: r.group_key ?? null,
    lastError: decodeMessageError(r.last_error),
    headers: r.headers === null || r.headers === undefined ? null : (JSON.parse(r.headers) as Record<string, string>),
    progress: r.progress === null || r.progress === undefined ? null : (JSON.parse(r.progress) as JsonValue),
  };
}

export function toWorker(r: WorkerRow): WorkerRecord {
  return {
    id: r.id,
    name: r.name,
    queueId: r.queue_id,
    startedAt: decodeTime(r.started_at),
    heartbeatAt: decodeTime(r.heartbeat_at),
    shutdownAt: decodeTimeOrNull(r.shutdown_at),
    status: r.status,
  };
}

export function toWorkflow(r: WorkflowRow): WorkflowRecord {
  return { id: r.id, name: r.name, queueId: r.queue_id, createdAt: decodeTime(r.created_at) };
}

export function toRun(r: RunRow): RunRecord {
  return {
    id: r.id,
    workflowId: r.workflow_id,
    messageId: r.message_id,
    status: r.status,
    input: parseJson(r.input),
    output: parseJson(r.output),
    error: parseJson(r.error),
    createdAt: decodeTime(r.created_at),
    updatedAt: decodeTime(r.updated_at),
    startedAt: decodeTimeOrNull(r.started_at),
    pausedAt: decodeTimeOrNull(r.paused_at),
    completedAt: decodeTimeOrNull(r.completed_at),
    workerId: r.worker_id,
    attempts: r.attempts ?? 0,
    parentRunId: r.parent_run_id,
    forkedFromRunId: r.forked_from_run_id ?? null,
    waitingFor: decodeWaitingFor(r.waiting_for),
    version: r.version ?? null,
  };
}

export function toStep(r: StepRow): StepRecord {
  return {
    id: r.id,
    runId: r.run_id,
    stepName: r.step_name,
    status: r.status,
    input: parseJson(r.input),
    output: parseJson(r.output),
    error: parseJson(r.error),
    createdAt: decodeTime(r.created_at),
    updatedAt: decodeTime(r.updated_at),
    startedAt: decodeTimeOrNull(r.started_at),
    completedAt: decodeTimeOrNull(r.completed_at),
    retryAt: decodeTimeOrNull(r.retry_at),
    retryCount: r.retry_count,
    kind: r.kind,
    attemptErrors: toAttemptErrors(parseJson(r.attempt_errors ?? null)),
  };
}

/** Per-input booleans from the ids a statement touched; a repeated input id is true only the first time. */
export function perIdResult(ids: readonly number[], touched: readonly { id: number }[]): boolean[] {
  const hit = new Set<number>();
  for (const row of touched) hit.add(row.id);
  return ids.map((id) => hit.delete(id));
}

/** SQL `WHERE` fragments joined with AND, or an empty string. */
export function whereClause(conditions: readonly string[]): string {
  return conditions.length === 0 ? "" : `WHERE ${conditions.join(" AND ")}`;
}

/** Page defaults of `types.ts`: 100 rows from offset 0. */
export function pageOf(p: { limit?: number; offset?: number }): [number, number] {
  return [p.limit ?? 100, p.offset ?? 0];
}
