/**
 * Workflows: one page of definitions (by name, with a name search), runs filtered by workflow and status, search
 * by run or message id.
 */
import type { WorkflowRecord, WorkflowStatus } from "../../types.js";
import { WORKFLOW_STATUSES } from "../../types.js";
import { ago, duration, jsonPreview, num, pill } from "../format.js";
import { type Html, html } from "../html.js";
import type { RunsPage, Searched } from "../reads.js";
import { pauseInfo } from "../../workflow/pause-info.js";
import { pager, query, tabs } from "./layout.js";

export interface WorkflowsView {
  definitions: Searched<WorkflowRecord>;
  /** Queue names of the definitions on the page. */
  queueOf: Map<number, string>;
  /** The name of `workflowId`. */
  names: Map<number, string>;
  workflowId: number | undefined;
  status: WorkflowStatus | undefined;
  counts: Record<WorkflowStatus, number>;
  /** One page of `admin.listRuns`, newest first. */
  runs: RunsPage;
  searched: string | undefined;
  now: Date;
}

export function workflowsPage(v: WorkflowsView): Html {
  const names = v.names;
  const d = v.definitions;
  const total = WORKFLOW_STATUSES.reduce((a, s) => a + v.counts[s], 0);
  const href = (status: WorkflowStatus | undefined, cursor?: string) =>
    query("/workflows", { workflow: v.workflowId, status, cursor, dq: d.search, dpage: d.page });
  const defHref = (page: number) =>
    query("/workflows", { workflow: v.workflowId, status: v.status, dq: d.search, dpage: page });
  return html`
  <div class="toolbar">
    <div><h1>Workflows</h1><p class="sub" style="margin:0">${num(d.matching)} definition${d.matching === 1 ? "" : "s"}${
      d.search === undefined ? "" : html` matching <b>${d.search}</b>`
    }, ${num(total)} run${total === 1 ? "" : "s"}</p></div>
    <form method="get" action="/workflows" class="inline" role="search">
      <input type="search" name="q" placeholder="Run id or trigger message id" value="${v.searched ?? ""}" aria-label="Find a run">
    </form>
  </div>
  ${v.searched === undefined ? "" : html`<div class="card" data-testid="search-miss">No run with id or message id <b>${v.searched}</b>.</div>`}
  <div class="card">
    <div class="toolbar"><h2 style="margin:0">Definitions</h2>
      <form method="get" action="/workflows" class="inline" role="search">
        <input type="search" name="dq" placeholder="Find a workflow by name" value="${d.search ?? ""}" aria-label="Find a workflow">
      </form></div>
    ${
      d.rows.length === 0
        ? html`<div class="empty" data-testid="definitions-empty">${d.search === undefined ? "No workflows defined" : "No workflow name contains this"}</div>`
        : html`<table data-testid="definitions"><thead><tr><th>Name</th><th>Queue</th><th>Created</th><th></th></tr></thead><tbody>${d.rows.map(
            (w) => html`<tr data-workflow="${w.id}"><td><b>${w.name}</b></td>
              <td><a href="/queues/${w.queueId}">${v.queueOf.get(w.queueId) ?? `#${w.queueId}`}</a></td>
              <td>${ago(w.createdAt, v.now)}</td>
              <td><div class="actions"><a href="${query("/workflows", { workflow: w.id })}">Runs →</a></div></td></tr>`,
          )}</tbody></table>`
    }
    ${pager(d.page, d.hasNext, defHref)}
  </div>
  <div class="card">
    <div class="toolbar"><h2 style="margin:0">Runs${v.workflowId === undefined ? "" : html` of ${names.get(v.workflowId) ?? "?"}`}</h2>
      ${v.workflowId === undefined ? "" : html`<a href="${query("/workflows", { status: v.status })}">Show all workflows</a>`}</div>
    ${tabs([
      { label: "All", href: href(undefined), active: v.status === undefined, count: total },
      ...WORKFLOW_STATUSES.map((s) => ({
        label: s.toLowerCase(),
        href: href(s),
        active: v.status === s,
        count: v.counts[s],
      })),
    ])}
    ${v.runs.rows.length === 0 ? html`<div class="empty">No runs</div>` : runTable(v)}
    ${runsPager(v.runs, (cursor) => href(v.status, cursor))}
  </div>`;
}

/** Cursor paging: back to the newest runs, or on to older ones (a keyset page cannot step back one page). */
function runsPager(runs: RunsPage, href: (cursor?: string) => string): Html {
  if (runs.cursor === undefined && runs.nextCursor === null) return html``;
  const newest =
    runs.cursor === undefined
      ? html`<span class="off">← Newest</span>`
      : html`<a href="${href()}" rel="first">← Newest</a>`;
  const older =
    runs.nextCursor === null
      ? html`<span class="off">Older →</span>`
      : html`<a href="${href(runs.nextCursor)}" rel="next">Older →</a>`;
  return html`<div class="pager">${newest}${older}</div>`;
}

/** A run's error; for a run paused by its code, its reason and resume time (never the stored seconds). */
function errorCell(r: WorkflowsView["runs"]["rows"][number], now: Date): Html | string {
  const pause = pauseInfo(r);
  if (pause !== null) {
    const reason = pause.reason === null ? "" : `: ${pause.reason}`;
    return html`<span data-testid="paused-run">paused${reason}${pause.resumesAt === null ? "" : html` (resumes ${ago(pause.resumesAt, now)})`}</span>`;
  }
  return r.error === null || r.error === undefined ? "" : jsonPreview(r.error, 60);
}

function runTable(v: WorkflowsView): Html {
  return html`<table data-testid="runs">
    <thead><tr><th>Run</th><th>Workflow</th><th>Status</th><th>Message</th><th>Created</th><th class="n">Duration</th>
      <th class="n">Worker</th><th class="n">Attempts</th><th>Error</th></tr></thead>
    <tbody>${v.runs.rows.map((r) => {
      const end = r.completedAt ?? (r.startedAt === null ? null : v.now);
      const took = r.startedAt === null || end === null ? null : end.getTime() - r.startedAt.getTime();
      return html`<tr data-run="${r.id}">
        <td class="mono"><a href="/runs/${r.id}">#${r.id}</a></td>
        <td>${r.workflow}</td>
        <td>${pill(r.status)}</td>
        <td class="mono">${r.messageId}</td>
        <td>${ago(r.createdAt, v.now)}</td>
        <td class="n">${took === null ? html`<span class="muted">—</span>` : duration(took)}</td>
        <td class="n mono">${r.workerId === null ? html`<span class="muted">—</span>` : `#${r.workerId}`}</td>
        <td class="n">${num(r.attempts)}</td>
        <td class="mono muted">${errorCell(r, v.now)}</td>
      </tr>`;
    })}</tbody></table>`;
}
