/**
 * One run: what it waits for while PAUSED, its steps on a shared time axis (attempts, retry times, inputs, outputs,
 * errors), its input and output, its parent and child runs, its messages and events, and a form to send it a message.
 */
import type { RunEventRecord, RunMessageRecord } from "../../store/run-primitives.js";
import type { RunRecord, StepRecord, WorkflowRecord } from "../../types.js";
import { ago, duration, num, pill, prettyJson, RUN_STATUS_TONES, stamp } from "../format.js";
import { type Html, html } from "../html.js";
import { actionForm, query } from "./layout.js";
import { runOperations } from "./run-operations-view.js";
import { familyCard, messagesAndEvents, pauseReasonBox, sendMessageCard, waitBanner } from "./run-primitives-view.js";

export interface RunView {
  run: RunRecord;
  workflow: WorkflowRecord | null;
  steps: StepRecord[];
  /** Messages sent to the run, oldest first. */
  messages: RunMessageRecord[];
  /** The run's events, by key. */
  events: RunEventRecord[];
  /** Runs started by this one, oldest first. */
  children: RunRecord[];
  /** Workflow names of the child runs, by workflow id. */
  childNames: Map<number, string>;
  now: Date;
  /** Leave out the action forms (a read-only dashboard). Default false. */
  readOnly?: boolean;
}

const TERMINAL = new Set(["SUCCESS", "ERROR", "CANCELLED"]);

export function runPage(v: RunView): Html {
  const r = v.run;
  const name = v.workflow?.name ?? `workflow #${r.workflowId}`;
  const end = r.completedAt ?? (r.startedAt === null ? null : v.now);
  const took = r.startedAt === null || end === null ? null : end.getTime() - r.startedAt.getTime();
  const cancellable = !TERMINAL.has(r.status) && r.status !== "CANCELLING";
  const primitives = { run: r, messages: v.messages, events: v.events, children: v.children, names: v.childNames };
  return html`
  <div class="toolbar">
    <div>
      <h1>Run #${r.id} ${pill(r.status)}</h1>
      <p class="sub" style="margin:0"><a href="${query("/workflows", { workflow: r.workflowId })}">${name}</a> · trigger message
        <span class="mono">${r.messageId}</span>${
          r.parentRunId === null ? "" : html` · child of <a href="/runs/${r.parentRunId}">run #${r.parentRunId}</a>`
        }${
          r.forkedFromRunId === null
            ? ""
            : html` · forked from <a href="/runs/${r.forkedFromRunId}" data-testid="forked-from">run #${r.forkedFromRunId}</a>`
        }</p>
    </div>
    <div class="actions">${v.readOnly === true ? "" : runOperations(r, v.steps, name, v.now)}${
      cancellable && v.readOnly !== true
        ? actionForm({
            action: `/actions/runs/${r.id}/cancel`,
            label: "Cancel run",
            title: `Cancel run #${r.id} of ${name}?`,
            confirm: "It stops at its next step boundary (or when a worker picks it up) and ends CANCELLED.",
            danger: true,
          })
        : ""
    }</div>
  </div>
  ${waitBanner(r, v.now)}
  <div class="card kv">
    <div><span>Created</span><b>${ago(r.createdAt, v.now)}</b></div>
    <div><span>Started</span><b>${ago(r.startedAt, v.now)}</b></div>
    <div><span>Completed</span><b>${ago(r.completedAt, v.now)}</b></div>
    <div><span>Duration</span><b data-testid="run-duration">${took === null ? "—" : duration(took)}</b></div>
    <div><span>Steps</span><b data-testid="step-count">${num(v.steps.length)}</b></div>
    <div><span>Worker</span><b class="mono">${r.workerId ?? "—"}</b></div>
  </div>
  <div class="card">
    <h2>Timeline</h2>
    ${v.steps.length === 0 ? html`<div class="empty">No steps recorded yet</div>` : timeline(v)}
  </div>
  <div class="card">
    <h2>Run input, output and error</h2>
    <div class="io">${io("Input", unwrapInput(r.input))}${io("Output", r.output)}${
      r.error === null || r.error === undefined
        ? ""
        : r.status === "PAUSED"
          ? pauseReasonBox(r)
          : io("Error", r.error, true)
    }</div>
  </div>
  ${familyCard({ ...primitives, now: v.now })}
  ${messagesAndEvents({ ...primitives, now: v.now })}
  ${v.readOnly === true ? "" : sendMessageCard(r)}`;
}

function timeline(v: RunView): Html {
  const times = v.steps.flatMap((s) => [s.createdAt, s.startedAt, s.completedAt, s.retryAt]);
  const start = Math.min(
    v.run.startedAt?.getTime() ?? Number.POSITIVE_INFINITY,
    ...v.steps.map((s) => s.createdAt.getTime()),
  );
  const ends = [...times, v.run.completedAt].filter((t): t is Date => t !== null).map((t) => t.getTime());
  const terminal = TERMINAL.has(v.run.status);
  const end = Math.max(...ends, terminal ? start + 1 : v.now.getTime(), start + 1);
  const span = end - start;
  const pct = (t: number) => `${((100 * (t - start)) / span).toFixed(2)}%`;
  const width = (a: number, b: number) => `${Math.max((100 * (b - a)) / span, 0.4).toFixed(2)}%`;
  return html`
  <div class="tl-axis"><div>Step</div><div class="ticks"><span>+0</span><span>+${duration(span / 2)}</span><span>+${duration(span)}</span></div><div></div></div>
  <div class="timeline">${v.steps.map((s) => {
    const attempts = s.retryCount + 1;
    const from = (s.startedAt ?? s.createdAt).getTime();
    const to = (s.completedAt ?? (terminal ? s.updatedAt : v.now)).getTime();
    // As a run's status, except CANCELLING (a run's state only; no step is ever written with it), gray as before.
    const tone = s.status === "CANCELLING" ? "gray" : (RUN_STATUS_TONES[s.status] ?? "gray");
    const waited = s.startedAt !== null && s.startedAt.getTime() > s.createdAt.getTime();
    return html`<details class="step" data-key="step-${s.id}" data-step="${s.stepName}">
      <summary>
        <div class="name">${pill(s.status)}<code title="${s.stepName}">${s.stepName}</code></div>
        <div class="track">
          ${waited ? html`<div class="seg gray" style="left:${pct(s.createdAt.getTime())};width:${width(s.createdAt.getTime(), from)};opacity:.35" title="earlier attempts and waits"></div>` : ""}
          <div class="seg ${tone}" style="left:${pct(from)};width:${width(from, to)}" title="${stamp(s.startedAt)} → ${stamp(s.completedAt)}"></div>
          ${s.retryAt === null ? "" : html`<div class="retry" style="left:${pct(s.retryAt.getTime())}" title="retry at ${stamp(s.retryAt)}"></div>`}
        </div>
        <div class="meta"><span data-testid="attempts-${s.stepName}">${attempts} attempt${attempts === 1 ? "" : "s"}</span> · ${
          s.completedAt === null || s.startedAt === null
            ? "—"
            : duration(s.completedAt.getTime() - s.startedAt.getTime())
        }${s.retryAt === null ? "" : html`<br>retry ${ago(s.retryAt, v.now)}`}</div>
      </summary>
      <div class="body io">${io("Input", s.input)}${io("Output", s.output)}${
        s.error === null || s.error === undefined ? "" : io("Error", s.error, true)
      }${attemptErrors(s)}</div>
    </details>`;
  })}</div>`;
}

/** Each failed execution of a step (errors retry by default), oldest first; nothing when none failed. */
function attemptErrors(s: StepRecord): Html | string {
  if (s.attemptErrors.length === 0) return "";
  return html`<div data-testid="attempt-errors-${s.stepName}"><h3>Failed attempts</h3><ol class="attempt-errors">${s.attemptErrors.map(
    (a) => html`<li>attempt ${a.attempt} · ${stamp(a.at)}<pre class="json error">${prettyJson(a.error)}</pre></li>`,
  )}</ol></div>`;
}

function io(label: string, value: unknown, error = false): Html {
  return html`<div><h3>${label}</h3><pre class="json ${error ? "error" : ""}">${
    value === undefined ? "null" : prettyJson(value)
  }</pre></div>`;
}

/** Runs store the trigger payload `{ input }`; show the input itself. */
function unwrapInput(payload: unknown): unknown {
  if (payload !== null && typeof payload === "object" && !Array.isArray(payload) && "input" in payload) {
    return (payload as { input: unknown }).input;
  }
  return payload;
}
