/**
 * Row → record mapping of the PostgreSQL backend. The column lists (`cols`) live in postgres-columns.ts and the
 * result readers (`countOf`, `perIdResult`, ...) in postgres-results.ts; both are exported here too, for the
 * statements that import them from this module.
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
import type { JsonValue } from "../../json-types.js";
import type { MessageError, RetryOptions } from "../../queue-controls-types.js";
import { deadLetteredAtOf } from "../dead-letters.js";
import { toAttemptErrors } from "../step-attempt-errors.js";
import type { Row } from "./postgres-connection.js";
import { RUN_COLUMNS } from "../schema-columns.js";
import { date, dateOrNull, json, num, numOrNull, textOrNull } from "./postgres-row-values.js";

export { cols, prefixedRunColumns, primitiveCols } from "./postgres-columns.js";
export { byClaimOrder, countOf, page, perIdResult } from "./postgres-results.js";

/** The run in a row whose run columns carry `prefix`; `null` when the row has none. */
export function prefixedRun(r: Row, prefix: string): RunRecord | null {
  const keys = prefixedKeys(prefix);
  const id = r[keys[0] as string];
  if (id === null || id === undefined) return null;
  const row: Row = {};
  for (let i = 0; i < keys.length; i++) row[RUN_COLUMNS[i] as string] = r[keys[i] as string];
  return toRun(row);
}

/** The run columns' names with each prefix, built once per prefix (rows of the hot paths carry them). */
const prefixed = new Map<string, readonly string[]>();

function prefixedKeys(prefix: string): readonly string[] {
  let keys = prefixed.get(prefix);
  if (keys === undefined) {
    keys = RUN_COLUMNS.map((c) => `${prefix}${c}`);
    prefixed.set(prefix, keys);
  }
  return keys;
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
    progress: r.progress === undefined ? null : (r.progress as JsonValue | null),
  };
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
