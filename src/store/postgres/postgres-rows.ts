/**
 * Column lists and row → record mapping. Statements name their columns (never `*`) so rows keep one shape even in
 * a database shared with pgqrs releases that add columns of their own.
 */
import type { RunEventRecord, RunMessageRecord, RunWaitingFor } from "../run-primitives.js";
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
import type { MessageError, RetryOptions } from "../../queue-controls-types.js";
import { deadLetteredAtOf } from "../dead-letters.js";
import { toAttemptErrors } from "../step-attempt-errors.js";
import type { Row } from "./postgres-connection.js";

const MESSAGE = [
  "id",
  "queue_id",
  "payload",
  "vt",
  "enqueued_at",
  "read_ct",
  "dequeued_at",
  "producer_worker_id",
  "consumer_worker_id",
  "archived_at",
  "dead_lettered_at",
  "priority",
  "dedup_key",
  "group_key",
  "last_error",
  "headers",
];
/** A queue's columns and its settings' (`pgqrs_queue_settings`, LEFT JOINed: NULL when the queue has none). */
const QUEUE = ["id", "queue_name", "created_at"];
const QUEUE_SETTINGS = ["retry", "concurrency_limit", "rate_max", "rate_per_ms"];
const WORKER = ["id", "name", "queue_id", "started_at", "heartbeat_at", "shutdown_at", "status"];
const RUN = [
  "id",
  "workflow_id",
  "message_id",
  "status",
  "input",
  "output",
  "error",
  "created_at",
  "updated_at",
  "started_at",
  "paused_at",
  "completed_at",
  "worker_id",
  "parent_run_id",
  "forked_from_run_id",
  "waiting_for",
  "attempts",
  "version",
];
const STEP = [
  "id",
  "run_id",
  "step_name",
  "status",
  "input",
  "output",
  "error",
  "created_at",
  "updated_at",
  "started_at",
  "completed_at",
  "retry_at",
  "retry_count",
  "kind",
  "attempt_errors",
];

/** The run columns of `alias` renamed with `prefix`, for a row that also carries another table's columns. */
export function prefixedRunColumns(alias: string, prefix: string): string {
  return RUN.map((c) => `${alias}.${c} AS ${prefix}${c}`).join(", ");
}

/** The run in a row whose run columns carry `prefix`; `null` when the row has none. */
export function prefixedRun(r: Row, prefix: string): RunRecord | null {
  if (r[`${prefix}id`] === null || r[`${prefix}id`] === undefined) return null;
  return toRun(Object.fromEntries(RUN.map((c) => [c, r[`${prefix}${c}`]])));
}

function columns(names: readonly string[], alias?: string): string {
  return names.map((c) => (alias === undefined ? c : `${alias}.${c}`)).join(", ");
}

/** Column list of each table, optionally qualified by a table alias. */
export const cols = {
  message: (alias?: string) => columns(MESSAGE, alias),
  queue: (alias?: string) => columns(QUEUE, alias),
  /** The settings columns of a queue row (`toQueue` reads them; absent columns read as no settings). */
  queueSettings: (alias?: string) => columns(QUEUE_SETTINGS, alias),
  worker: (alias?: string) => columns(WORKER, alias),
  workflow: (alias?: string) => columns(["id", "name", "queue_id", "created_at"], alias),
  run: (alias?: string) => columns(RUN, alias),
  step: (alias?: string) => columns(STEP, alias),
};

function num(v: unknown): number {
  return typeof v === "number" ? v : Number(v);
}

function numOrNull(v: unknown): number | null {
  return v === null || v === undefined ? null : num(v);
}

function date(v: unknown): Date {
  return v instanceof Date ? v : new Date(String(v));
}

function dateOrNull(v: unknown): Date | null {
  return v === null || v === undefined ? null : date(v);
}

/** A JSONB column: SQL NULL reads as `null`. */
function json(v: unknown): unknown {
  return v === undefined ? null : v;
}

export function toMessage(r: Row): QueueMessage {
  return {
    id: num(r.id),
    queueId: num(r.queue_id),
    payload: json(r.payload),
    vt: date(r.vt),
    enqueuedAt: date(r.enqueued_at),
    readCt: num(r.read_ct ?? 0),
    dequeuedAt: dateOrNull(r.dequeued_at),
    producerWorkerId: numOrNull(r.producer_worker_id),
    consumerWorkerId: numOrNull(r.consumer_worker_id),
    archivedAt: dateOrNull(r.archived_at),
    deadLetteredAt: deadLetteredAtOf(dateOrNull(r.archived_at), dateOrNull(r.dead_lettered_at)),
    priority: num(r.priority ?? 0),
    dedupKey: textOrNull(r.dedup_key),
    groupKey: textOrNull(r.group_key),
    lastError: toMessageError(r.last_error),
    headers: toHeaders(r.headers),
  };
}

function textOrNull(v: unknown): string | null {
  return v === null || v === undefined ? null : String(v);
}

/** `headers` (JSONB, parsed): an object of strings, or `null` when absent. */
function toHeaders(v: unknown): Record<string, string> | null {
  if (v === null || v === undefined || typeof v !== "object") return null;
  return v as Record<string, string>;
}

/** `last_error` (JSONB, parsed); `null` when absent or not an object. */
function toMessageError(v: unknown): MessageError | null {
  if (v === null || v === undefined || typeof v !== "object") return null;
  return v as MessageError;
}

/** A queue row, with its settings when the row carries them (see `cols.queueSettings`). */
export function toQueue(r: Row): QueueRecord {
  const perMs = numOrNull(r.rate_per_ms);
  const max = numOrNull(r.rate_max);
  return {
    id: num(r.id),
    queueName: String(r.queue_name),
    createdAt: date(r.created_at),
    retry: r.retry === null || r.retry === undefined || typeof r.retry !== "object" ? null : (r.retry as RetryOptions),
    concurrencyLimit: numOrNull(r.concurrency_limit),
    rateLimit: max === null || perMs === null ? null : { max, perSeconds: perMs / 1000 },
  };
}

export function toWorker(r: Row): WorkerRecord {
  return {
    id: num(r.id),
    name: String(r.name),
    queueId: numOrNull(r.queue_id),
    startedAt: date(r.started_at),
    heartbeatAt: date(r.heartbeat_at),
    shutdownAt: dateOrNull(r.shutdown_at),
    status: String(r.status) as WorkerStatus,
  };
}

export function toWorkflow(r: Row): WorkflowRecord {
  return { id: num(r.id), name: String(r.name), queueId: num(r.queue_id), createdAt: date(r.created_at) };
}

export function toRun(r: Row): RunRecord {
  return {
    id: num(r.id),
    workflowId: num(r.workflow_id),
    messageId: num(r.message_id),
    status: String(r.status) as WorkflowStatus,
    input: json(r.input),
    output: json(r.output),
    error: json(r.error),
    createdAt: date(r.created_at),
    updatedAt: date(r.updated_at),
    startedAt: dateOrNull(r.started_at),
    pausedAt: dateOrNull(r.paused_at),
    completedAt: dateOrNull(r.completed_at),
    workerId: numOrNull(r.worker_id),
    attempts: num(r.attempts ?? 0),
    parentRunId: numOrNull(r.parent_run_id),
    forkedFromRunId: numOrNull(r.forked_from_run_id),
    waitingFor: waitingFor(r.waiting_for),
    version: typeof r.version === "string" ? r.version : null,
  };
}

/** `waiting_for` (JSONB, parsed): `until` back to a Date; `null` when absent or not an object. */
function waitingFor(v: unknown): RunWaitingFor | null {
  if (v === null || v === undefined || typeof v !== "object") return null;
  const { until, ...rest } = v as Record<string, unknown>;
  const w = rest as unknown as RunWaitingFor;
  return until === null || until === undefined ? w : { ...w, until: date(until) };
}

export function toStep(r: Row): StepRecord {
  return {
    id: num(r.id),
    runId: num(r.run_id),
    stepName: String(r.step_name),
    status: String(r.status) as WorkflowStatus,
    input: json(r.input),
    output: json(r.output),
    error: json(r.error),
    createdAt: date(r.created_at),
    updatedAt: date(r.updated_at),
    startedAt: dateOrNull(r.started_at),
    completedAt: dateOrNull(r.completed_at),
    retryAt: dateOrNull(r.retry_at),
    retryCount: num(r.retry_count ?? 0),
    kind: r.kind === null || r.kind === undefined ? "step" : String(r.kind),
    attemptErrors: toAttemptErrors(json(r.attempt_errors)),
  };
}

const RUN_MESSAGE = [
  "id",
  "run_id",
  "topic",
  "payload",
  "idempotency_key",
  "sender_run_id",
  "created_at",
  "consumed_at",
  "consumed_by_step",
];
const RUN_EVENT = ["run_id", "key", "value", "created_at", "updated_at"];

/** Column lists of the workflow primitives' tables, optionally qualified by a table alias. */
export const primitiveCols = {
  runMessage: (alias?: string) => columns(RUN_MESSAGE, alias),
  runEvent: (alias?: string) => columns(RUN_EVENT, alias),
};

export function toRunMessage(r: Row): RunMessageRecord {
  return {
    id: num(r.id),
    runId: num(r.run_id),
    topic: String(r.topic),
    payload: json(r.payload),
    idempotencyKey: r.idempotency_key === null || r.idempotency_key === undefined ? null : String(r.idempotency_key),
    senderRunId: numOrNull(r.sender_run_id),
    createdAt: date(r.created_at),
    consumedAt: dateOrNull(r.consumed_at),
    consumedByStep: r.consumed_by_step === null || r.consumed_by_step === undefined ? null : String(r.consumed_by_step),
  };
}

export function toRunEvent(r: Row): RunEventRecord {
  return {
    runId: num(r.run_id),
    key: String(r.key),
    value: json(r.value),
    createdAt: date(r.created_at),
    updatedAt: date(r.updated_at),
  };
}

/**
 * Map RETURNING ids onto the caller's ids: `true` where that id came back. A repeated id is `true` only at its
 * first position, since the statement changed the row once.
 */
export function perIdResult(ids: readonly number[], returned: readonly Row[]): boolean[] {
  const hit = new Set(returned.map((r) => num(r.id)));
  return ids.map((id) => hit.delete(id));
}

/** `count(*)` comes back as int8. */
export function countOf(rows: readonly Row[], column = "n"): number {
  const first = rows[0];
  return first === undefined ? 0 : num(first[column] ?? 0);
}

/** Dequeue order: (`priority` descending, `enqueued_at`, `id`). */
export function byClaimOrder(a: QueueMessage, b: QueueMessage): number {
  return b.priority - a.priority || a.enqueuedAt.getTime() - b.enqueuedAt.getTime() || a.id - b.id;
}

/** Default page size of listings. */
export function page(p: { limit?: number; offset?: number }): { limit: number; offset: number } {
  return { limit: p.limit ?? 100, offset: p.offset ?? 0 };
}
