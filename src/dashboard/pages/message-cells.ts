/**
 * Cells of a message row (issue 17): its group and dedup keys, its reported progress, and the error of its last failed
 * delivery, short in the cell and in full (message, attempt, time, head of the stack) in the tooltip. Everything is escaped by the
 * `html` template, so an error message or key holding markup shows as text.
 */
import type { MessageError } from "../../queue-controls-types.js";
import type { QueueMessage } from "../../types.js";
import { type Html, html } from "../html.js";

const SHORT_KEY = 24;
const SHORT_ERROR = 60;

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** `group g · dedup k`, each cut, the full key in the tooltip; a dash when neither. */
export function messageKeys(m: Pick<QueueMessage, "groupKey" | "dedupKey">): Html {
  if (m.groupKey === null && m.dedupKey === null) return html`<span class="muted">—</span>`;
  const key = (label: string, k: string | null, id: string) =>
    k === null
      ? ""
      : html`<div><span class="muted">${label}</span> <span class="mono" title="${k}" data-testid="${id}">${clip(k, SHORT_KEY)}</span></div>`;
  return html`${key("group", m.groupKey, "group-key")}${key("dedup", m.dedupKey, "dedup-key")}`;
}

/** Longest progress shown in a cell; the whole value is in the tooltip. */
const SHORT_PROGRESS = 40;

/** The progress a consumer reported (`updateProgress`), as compact JSON cut to a cell, whole in the tooltip. */
export function progressCell(progress: QueueMessage["progress"]): Html {
  if (progress === null) return html`<td><span class="muted">—</span></td>`;
  const text = JSON.stringify(progress);
  return html`<td class="mono" data-testid="progress" title="${text}">${clip(text, SHORT_PROGRESS)}</td>`;
}

/** The whole error as text: `Name: message`, the attempt and when, then the stack's head. */
export function errorText(e: MessageError): string {
  return `${e.name}: ${e.message}\nattempt ${e.attempt}, failed at ${e.failedAt}${e.stack === null ? "" : `\n${e.stack}`}`;
}

/** The last-error cell of a message row: `Name: message` cut, the whole error in the tooltip. */
export function shortError(e: MessageError | null): Html {
  if (e === null) return html`<td><span class="muted">—</span></td>`;
  return html`<td class="error" data-testid="last-error" title="${errorText(e)}">${clip(`${e.name}: ${e.message}`, SHORT_ERROR)}
    <span class="muted">(attempt ${e.attempt})</span></td>`;
}
