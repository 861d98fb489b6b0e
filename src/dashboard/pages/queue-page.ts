/**
 * One queue: its counts, its settings (with the form to change them), the enqueue form, bulk replay and purge, its
 * messages by state with paging (priority, keys, consumer, last error), the payload viewer and dead-letter replay.
 */
import type { QueueMessage, QueueMetrics, QueueRecord, WorkerRecord } from "../../types.js";
import { ago, jsonPreview, messageState, num } from "../format.js";
import { pill } from "../format.js";
import { type Html, html } from "../html.js";
import { MESSAGE_FILTERS, type MessageFilter, type Paged } from "../reads.js";
import { actionForm, pager, query, stat, tabs } from "./layout.js";
import { messageKeys, progressCell, shortError } from "./message-cells.js";
import { queueActions } from "./queue-actions-view.js";
import { queueSettings } from "./queue-settings-view.js";

export interface QueueView {
  queue: QueueRecord;
  metrics: QueueMetrics;
  state: MessageFilter;
  messages: Paged<QueueMessage>;
  now: Date;
  maxReadCt: number;
  /** The workers holding or last holding the listed messages, by id (a deleted one is missing). */
  consumers: ReadonlyMap<number, WorkerRecord>;
  /** Leave out the action forms (a read-only dashboard). Default false. */
  readOnly?: boolean;
}

const FILTER_LABELS: Record<MessageFilter, string> = {
  active: "Active",
  dead: "Dead letters",
  archived: "Archived",
  all: "All",
};

export function queuePage(v: QueueView): Html {
  const m = v.metrics;
  const base = `/queues/${v.queue.id}`;
  const counts: Record<MessageFilter, number | undefined> = {
    active: m.activeMessages,
    dead: m.deadLetteredMessages,
    archived: m.archivedMessages,
    all: undefined,
  };
  return html`
  <h1>${v.queue.queueName} <span class="muted mono">queue #${v.queue.id}</span></h1>
  <p class="sub">Created ${ago(v.queue.createdAt, v.now)}</p>
  <div class="grid cards">
    ${stat("Pending", m.pendingMessages, { id: "pending" })}
    ${stat("Delayed", m.delayedMessages, { id: "delayed" })}
    ${stat("Leased", m.leasedMessages, { id: "leased" })}
    ${stat("Archived", m.archivedMessages, { id: "archived" })}
    ${stat("Dead letters", m.deadLetteredMessages, { id: "dead", warn: true })}
  </div>
  ${queueSettings(v.queue, m.leasedMessages, v.maxReadCt, { readOnly: v.readOnly === true })}
  ${v.readOnly === true ? "" : queueActions(v.queue, m)}
  <div class="card">
    ${tabs(
      MESSAGE_FILTERS.map((f) => ({
        label: FILTER_LABELS[f],
        href: query(base, { state: f === "active" ? undefined : f }),
        active: f === v.state,
        ...(counts[f] === undefined ? {} : { count: counts[f] }),
      })),
    )}
    ${v.messages.rows.length === 0 ? html`<div class="empty">No messages here</div>` : messageTable(v)}
    ${pager(v.messages.page, v.messages.hasNext, (p) => query(base, { state: v.state === "active" ? undefined : v.state, page: p }))}
  </div>`;
}

function messageTable(v: QueueView): Html {
  return html`<table data-testid="messages">
    <thead><tr><th>ID</th><th>State</th><th>Payload</th><th>Progress</th><th class="n">Reads</th><th class="n">Priority</th>
      <th>Keys</th><th>Enqueued</th><th>Visible</th><th>Consumer</th><th>Last error</th><th></th></tr></thead>
    <tbody>${v.messages.rows.map((msg) => {
      const state = messageState(msg, v.now, v.maxReadCt);
      return html`<tr data-message="${msg.id}">
        <td class="mono">${msg.id}</td>
        <td>${pill(state)}</td>
        <td><button class="link" data-payload="${msg.id}" title="View payload">${jsonPreview(msg.payload)}</button></td>
        ${progressCell(msg.progress)}
        <td class="n">${num(msg.readCt)}</td>
        <td class="n" data-testid="priority">${num(msg.priority)}</td>
        <td>${messageKeys(msg)}</td>
        <td>${ago(msg.enqueuedAt, v.now)}</td>
        <td>${msg.archivedAt === null ? ago(msg.vt, v.now) : html`<span class="muted">archived ${ago(msg.archivedAt, v.now)}</span>`}</td>
        ${consumerCell(msg.consumerWorkerId, v.consumers)}
        ${shortError(msg.lastError)}
        <td><div class="actions">${
          state === "dead" && v.readOnly !== true
            ? actionForm({
                action: `/actions/queues/${v.queue.id}/messages/${msg.id}/replay`,
                label: "Replay",
                title: `Replay message ${msg.id}?`,
                confirm: `It goes back on ${v.queue.queueName} with its read count reset and is delivered again.`,
                small: true,
              })
            : ""
        }</div></td>
      </tr>`;
    })}</tbody></table>`;
}

/** Longest worker name shown in full in a message row; longer ones (ephemeral `__ephemeral__<uuid>`) are cut. */
const NAME_CHARS = 28;

/** The consumer's name (as the workers page lists it, linked to its row there) and its id. */
function consumerCell(id: number | null, workers: ReadonlyMap<number, WorkerRecord>): Html {
  if (id === null) return html`<td><span class="muted">—</span></td>`;
  const w = workers.get(id);
  if (w === undefined)
    return html`<td class="mono" data-testid="consumer">#${id} <span class="muted">(deleted)</span></td>`;
  const name = w.name.length > NAME_CHARS ? `${w.name.slice(0, NAME_CHARS - 1)}…` : w.name;
  return html`<td data-testid="consumer"><a class="mono" href="/workers?all=1#worker-${id}" title="${w.name}">${name}</a>
    <span class="muted mono">#${id}</span></td>`;
}
