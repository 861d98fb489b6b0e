/** How the CLI shows messages: the state, the list's columns, one message's details with its last error. */
import type { MessageError } from "../../queue-controls-types.js";
import type { QueueMessage } from "../../types.js";
import { type Cell, type Column, keyValues, preview, shortDate } from "../output.js";

/** Where a message is in its life, for display. */
export function messageState(m: QueueMessage, now: Date): string {
  if (m.deadLetteredAt !== null) return "dead";
  if (m.archivedAt !== null) return "archived";
  if (m.consumerWorkerId !== null && m.vt > now) return "leased";
  if (m.vt > now) return "delayed";
  return "pending";
}

/** `text` cut to `max` characters with an ellipsis. */
export function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The last error on one line for a table: `TypeError: boom (attempt 3)`, cut. */
export function shortError(e: MessageError | null, max = 48): string | null {
  if (e === null) return null;
  return clip(`${e.name}: ${e.message.replace(/\s+/g, " ")} (attempt ${e.attempt})`, max);
}

const key = (k: string | null): string | null => (k === null ? null : clip(k, 20));

export function messageColumns(now: Date): Column<QueueMessage>[] {
  return [
    { header: "ID", get: (m) => m.id, right: true },
    { header: "STATE", get: (m) => messageState(m, now) },
    { header: "READS", get: (m) => m.readCt, right: true },
    { header: "PRIO", get: (m) => m.priority, right: true },
    { header: "GROUP", get: (m) => key(m.groupKey) },
    { header: "DEDUP", get: (m) => key(m.dedupKey) },
    { header: "ENQUEUED", get: (m) => m.enqueuedAt },
    { header: "VISIBLE AT", get: (m) => m.vt },
    { header: "CONSUMER", get: (m) => m.consumerWorkerId },
    { header: "LAST ERROR", get: (m) => shortError(m.lastError) },
    { header: "PAYLOAD", get: (m) => preview(m.payload) },
  ];
}

/**
 * `message show`: the record's fields, the progress its consumer last reported (compact JSON, in full), the last
 * error in full (message, attempt, time, head of the stack).
 */
export function messageDetails(m: QueueMessage, queue: string | number, now: Date): string {
  const pairs: [string, Cell][] = [
    ["id", m.id],
    ["queue", queue],
    ["state", messageState(m, now)],
    ["reads", m.readCt],
    ["priority", m.priority],
    ["group key", m.groupKey],
    ["dedup key", m.dedupKey],
    ["enqueued", m.enqueuedAt],
    ["visible at", m.vt],
    ["first dequeued", m.dequeuedAt],
    ["producer", m.producerWorkerId],
    ["consumer", m.consumerWorkerId],
    ["archived", m.archivedAt],
    ["dead-lettered", m.deadLetteredAt],
    ["progress", m.progress === null ? null : JSON.stringify(m.progress)],
    ["last error", m.lastError === null ? null : `attempt ${m.lastError.attempt}, ${failedAt(m.lastError)}`],
  ];
  const parts = [keyValues(pairs)];
  if (m.lastError !== null) parts.push(errorBlock(m.lastError));
  parts.push(`payload:\n${JSON.stringify(m.payload, null, 2)}`);
  return parts.join("\n");
}

function failedAt(e: MessageError): string {
  const at = new Date(e.failedAt);
  return Number.isNaN(at.getTime()) ? e.failedAt : `failed at ${shortDate(at)}`;
}

/** The error's message as is (several lines if it has them), then the stack's head, indented. */
function errorBlock(e: MessageError): string {
  const indent = (text: string) =>
    text
      .split("\n")
      .map((l) => `  ${l}`)
      .join("\n");
  const stack = e.stack === null ? "  (no stack)" : indent(e.stack);
  return `error:\n${indent(`${e.name}: ${e.message}`)}\nstack:\n${stack}`;
}
