/**
 * The parts of the run page that show the durable workflow primitives (issue 15): what a paused run waits for (in
 * words, never as an error), its parent and child runs, the messages sent to it, its events, and the form that
 * sends it a message. Every topic, key and payload is user data: it only reaches the page through `html`.
 */
import type { RunEventRecord, RunMessageRecord } from "../../store/run-primitives.js";
import type { RunRecord } from "../../types.js";
import { pauseInfo } from "../../workflow/pause-info.js";
import { ago, jsonPreview, num, pill, prettyJson, stamp } from "../format.js";
import { type Html, html } from "../html.js";

/** Rows shown per list (messages, events, child runs); the rest is counted. */
export const LIST_LIMIT = 100;

export interface RunPrimitivesView {
  run: RunRecord;
  messages: RunMessageRecord[];
  events: RunEventRecord[];
  children: RunRecord[];
  /** Workflow names of the child runs, by workflow id. */
  names: Map<number, string>;
  now: Date;
}

/** Runs that take no more messages (the store refuses them). */
const FINISHED = new Set(["SUCCESS", "ERROR", "CANCELLING", "CANCELLED"]);

/** An instant in words: the UTC time, with "in 5 min" / "3 s ago" beside it. */
function at(when: Date, now: Date): Html {
  return html`<time datetime="${when.toISOString()}">${stamp(when)} UTC</time> <span class="muted">(${ago(when, now)})</span>`;
}

/** The wait of a PAUSED run as a sentence (an info box, not an error); nothing for other statuses. */
export function waitBanner(run: RunRecord, now: Date): Html {
  if (run.status !== "PAUSED") return html``;
  return html`<div class="card wait" data-testid="run-wait" data-wait="${run.waitingFor?.kind ?? "pause"}">
    <span class="wait-dot" aria-hidden="true"></span><div>${waitSentence(run, now)}</div></div>`;
}

function waitSentence(run: RunRecord, now: Date): Html {
  const w = run.waitingFor;
  const until = w?.until ?? null;
  switch (w?.kind) {
    case "sleep":
      return until === null ? html`Sleeping` : html`Sleeping until ${at(until, now)}`;
    case "message":
      return html`Waiting for message "${w.topic ?? "?"}"${until === null ? "" : html` (until ${at(until, now)})`}`;
    case "child":
      return w.childRunId === undefined
        ? html`Waiting for a child run`
        : html`Waiting for child run <a href="/runs/${w.childRunId}" data-testid="wait-child">#${w.childRunId}</a>`;
    case "event":
      return html`Waiting for event${w.name === undefined ? "" : html` <code>${w.name}</code>`}${
        until === null ? "" : html` (until ${at(until, now)})`
      }`;
    case "retry":
      return until === null ? html`Retry scheduled` : html`Retry scheduled at ${at(until, now)}`;
    default:
      return pausedSentence(run, until, now);
  }
}

/** `run.pause(message, resumeAfterMs)` records `{ message, resume_after }` (seconds) as the run's error. */
function pausedSentence(run: RunRecord, until: Date | null, now: Date): Html {
  const info = pauseInfo(run);
  const reason = info?.reason ?? null;
  const resumes = until ?? info?.resumesAt ?? null;
  return html`Paused${reason === null ? "" : html`: ${reason}`}${resumes === null ? "" : html` (resumes at ${at(resumes, now)})`}`;
}

/**
 * The "Pause reason" box of a run paused by its code: the reason as text, never the stored `{ message,
 * resume_after }` (seconds) beside the banner's times; the stored error of any other PAUSED run as JSON.
 */
export function pauseReasonBox(run: RunRecord): Html {
  const info = pauseInfo(run);
  const text = info === null ? prettyJson(run.error) : (info.reason ?? "—");
  return html`<div><h3>Pause reason</h3><pre class="json" data-testid="pause-reason">${text}</pre></div>`;
}

/** Parent link and child runs, when the run has either. */
export function familyCard(v: RunPrimitivesView): Html {
  const parent = v.run.parentRunId;
  if (parent === null && v.children.length === 0) return html``;
  return html`<div class="card">
    <h2>Parent and child runs</h2>
    ${
      parent === null
        ? ""
        : html`<p class="family">Started by parent run <a href="/runs/${parent}" data-testid="parent-run">#${parent}</a></p>`
    }
    ${
      v.children.length === 0
        ? ""
        : html`<table data-testid="child-runs"><thead><tr><th>Child run</th><th>Workflow</th><th>Status</th><th>Created</th><th>Completed</th></tr></thead><tbody>${v.children
            .slice(0, LIST_LIMIT)
            .map(
              (c) => html`<tr data-child="${c.id}"><td><a href="/runs/${c.id}">#${c.id}</a></td>
                <td>${v.names.get(c.workflowId) ?? `workflow #${c.workflowId}`}</td><td>${pill(c.status)}</td>
                <td>${ago(c.createdAt, v.now)}</td><td>${ago(c.completedAt, v.now)}</td></tr>`,
            )}</tbody></table>${more(v.children.length, "child runs")}`
    }
  </div>`;
}

/** The run's messages (oldest first) and events (by key). */
export function messagesAndEvents(v: RunPrimitivesView): Html {
  return html`<div class="grid two">
    <div class="card">
      <h2>Messages <span class="count" data-testid="run-message-count">${num(v.messages.length)}</span></h2>
      ${
        v.messages.length === 0
          ? html`<div class="empty">No messages sent to this run</div>`
          : html`<table data-testid="run-messages"><thead><tr><th>#</th><th>Topic</th><th>Payload</th><th>Sent</th><th>Received</th></tr></thead><tbody>${v.messages
              .slice(0, LIST_LIMIT)
              .map(
                (m) => html`<tr data-run-message="${m.id}"><td class="mono">${m.id}</td><td><code>${m.topic}</code></td>
                  <td class="mono" title="${jsonPreview(m.payload, 2000)}">${jsonPreview(m.payload, 60)}</td>
                  <td>${ago(m.createdAt, v.now)}${
                    m.senderRunId === null
                      ? ""
                      : html`<br><span class="muted">by run <a href="/runs/${m.senderRunId}">#${m.senderRunId}</a></span>`
                  }</td>
                  <td>${
                    m.consumedAt === null
                      ? html`<span class="muted">not yet</span>`
                      : html`${ago(m.consumedAt, v.now)}<br><span class="muted">by step <code>${m.consumedByStep ?? "?"}</code></span>`
                  }</td></tr>`,
              )}</tbody></table>${more(v.messages.length, "messages")}`
      }
    </div>
    <div class="card">
      <h2>Events <span class="count" data-testid="run-event-count">${num(v.events.length)}</span></h2>
      ${
        v.events.length === 0
          ? html`<div class="empty">No events set by this run</div>`
          : html`<table data-testid="run-events"><thead><tr><th>Key</th><th>Value</th><th>Updated</th></tr></thead><tbody>${v.events
              .slice(0, LIST_LIMIT)
              .map(
                (e) => html`<tr data-event="${e.key}"><td><code>${e.key}</code></td>
                  <td class="mono" title="${jsonPreview(e.value, 2000)}">${jsonPreview(e.value, 60)}</td>
                  <td>${ago(e.updatedAt, v.now)}</td></tr>`,
              )}</tbody></table>${more(v.events.length, "events")}`
      }
    </div>
  </div>`;
}

/** The "Send message" form of an unfinished run (confirmed, then posted with the page secret by the script). */
export function sendMessageCard(run: RunRecord): Html {
  if (FINISHED.has(run.status)) return html``;
  const topic = run.waitingFor?.kind === "message" ? (run.waitingFor.topic ?? "") : "";
  return html`<div class="card">
    <h2>Send a message</h2>
    <form class="send-message" method="post" action="/actions/runs/${run.id}/messages" data-keep-input="1"
      data-title="Send a message to run #${run.id}?" data-confirm="The message is stored with the run; a recv waiting on its topic receives it."
      data-verb="Send message">
      <label>Topic<input type="text" name="topic" required maxlength="255" value="${topic}" autocomplete="off"></label>
      <label>Payload (JSON)<textarea name="payload" rows="3" required spellcheck="false">{}</textarea></label>
      <div><button type="submit" class="primary" data-testid="send-message">Send message</button></div>
    </form>
  </div>`;
}

function more(total: number, what: string): Html {
  return total > LIST_LIMIT
    ? html`<p class="note">The first ${num(LIST_LIMIT)} of ${num(total)} ${what} are shown.</p>`
    : html``;
}
