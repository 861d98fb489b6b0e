/**
 * Workers: status, heartbeat age, held messages, zombies highlighted, lifecycle actions and zombie reclaim. The list
 * leaves out stopped and ephemeral (`__ephemeral__<uuid>`) workers unless "Show all" (`?all=1`) is chosen; a
 * status tab shows that status (stopped included) but still no ephemeral workers unless "Show all".
 */
import type { WorkerHealthStats, WorkerStatus } from "../../types.js";
import { WORKER_STATUSES } from "../../types.js";
import { WORKER_TRANSITIONS } from "../../workers/worker-transitions.js";
import { WORKER_ACTIONS, type WorkerAction } from "../actions.js";
import { ago, duration, num, pill } from "../format.js";
import { type Html, html } from "../html.js";
import type { Paged, WorkerRow } from "../reads.js";
import { actionForm, pager, query, stat, tabs } from "./layout.js";

export interface WorkersView {
  status: WorkerStatus | undefined;
  /** Stopped and ephemeral workers are listed too. */
  all: boolean;
  /** How many workers of this tab the list leaves out (0 when `all`). */
  hidden: number;
  health: WorkerHealthStats;
  /** How many workers are zombies. */
  zombies: number;
  zombieThresholdMs: number;
  workers: Paged<WorkerRow>;
  now: Date;
  /** Leave out the action forms (a read-only dashboard). Default false. */
  readOnly?: boolean;
}

const COUNT_OF: Record<WorkerStatus, keyof WorkerHealthStats> = {
  ready: "readyWorkers",
  polling: "pollingWorkers",
  suspended: "suspendedWorkers",
  interrupted: "interruptedWorkers",
  stopped: "stoppedWorkers",
};

const ACTION_TEXT: Record<WorkerAction, { label: string; confirm: string; danger: boolean }> = {
  suspend: { label: "Suspend", confirm: "It stops taking new messages until resumed.", danger: false },
  resume: { label: "Resume", confirm: "It becomes ready to poll again.", danger: false },
  shutdown: { label: "Shut down", confirm: "It is marked stopped for good; its process should exit.", danger: true },
};

export function workersPage(v: WorkersView): Html {
  const h = v.health;
  return html`
  <h1>Workers</h1>
  <p class="sub">A worker is a zombie when it is not stopped and its heartbeat is older than ${duration(v.zombieThresholdMs)}.</p>
  <div class="grid cards">
    ${stat("Registered", h.totalWorkers, { id: "workers-total" })}
    ${stat("Active", h.readyWorkers + h.pollingWorkers, { id: "workers-active", hint: "ready or polling" })}
    ${stat("Suspended", h.suspendedWorkers, { id: "workers-suspended" })}
    ${stat("Zombies", v.zombies, { id: "workers-zombies", warn: true })}
  </div>
  <div class="card">
    <div class="toolbar">
      ${tabs([
        {
          label: "All",
          href: query("/workers", { all: allParam(v) }),
          active: v.status === undefined,
          count: h.totalWorkers,
        },
        ...WORKER_STATUSES.map((s) => ({
          label: s,
          href: query("/workers", { status: s, all: allParam(v) }),
          active: v.status === s,
          count: Number(h[COUNT_OF[s]]),
        })),
      ])}
      ${
        v.zombies === 0 || v.readOnly === true
          ? ""
          : actionForm({
              action: "/actions/zombies/reclaim",
              label: `Reclaim ${num(v.zombies)} zombie${v.zombies === 1 ? "" : "s"}`,
              title: "Reclaim zombie workers?",
              confirm: "Their held messages are released for other consumers and the workers are marked stopped.",
              danger: true,
            })
      }
    </div>
    ${scopeNote(v)}
    ${v.workers.rows.length === 0 ? html`<div class="empty">No workers</div>` : workerTable(v)}
    ${pager(v.workers.page, v.workers.hasNext, (p) => query("/workers", { status: v.status, all: allParam(v), page: p }))}
  </div>`;
}

function workerTable(v: WorkersView): Html {
  return html`<table data-testid="workers">
    <thead><tr><th>ID</th><th>Name</th><th>Queue</th><th>Status</th><th>Heartbeat</th><th>Started</th>
      <th class="n">Held</th><th></th></tr></thead>
    <tbody>${v.workers.rows.map(({ worker: w, queueName, held, zombie }) => {
      const actions =
        v.readOnly === true
          ? []
          : WORKER_ACTIONS.filter((a) => (WORKER_TRANSITIONS[a].from as readonly string[]).includes(w.status));
      return html`<tr id="worker-${w.id}" data-worker="${w.id}" class="${zombie ? "zombie" : ""}">
        <td class="mono">${w.id}</td>
        <td class="mono">${w.name}</td>
        <td>${w.queueId === null ? html`<span class="muted">${queueName}</span>` : html`<a href="/queues/${w.queueId}">${queueName}</a>`}</td>
        <td>${pill(w.status)} ${zombie ? pill("zombie") : ""}</td>
        <td data-testid="heartbeat-${w.id}">${ago(w.heartbeatAt, v.now)}</td>
        <td>${ago(w.startedAt, v.now)}</td>
        <td class="n ${held === 0 ? "zero" : ""}" data-testid="held-${w.id}">${num(held)}</td>
        <td><div class="actions">${actions.map((a) =>
          actionForm({
            action: `/actions/workers/${w.id}/${a}`,
            label: ACTION_TEXT[a].label,
            title: `${ACTION_TEXT[a].label} worker ${w.name}?`,
            confirm: ACTION_TEXT[a].confirm,
            danger: ACTION_TEXT[a].danger,
            small: true,
          }),
        )}</div></td>
      </tr>`;
    })}</tbody></table>`;
}

function allParam(v: WorkersView): string | undefined {
  return v.all ? "1" : undefined;
}

/** "N stopped or ephemeral workers hidden · Show all", or the way back to the tidy list. */
function scopeNote(v: WorkersView): Html {
  if (v.all) {
    return html`<p class="sub" data-testid="workers-scope">Showing stopped and ephemeral workers too.
      <a href="${query("/workers", { status: v.status })}">Hide them</a></p>`;
  }
  if (v.hidden === 0) return html``;
  return html`<p class="sub" data-testid="workers-scope">${num(v.hidden)} stopped or ephemeral worker${v.hidden === 1 ? "" : "s"} hidden.
    <a href="${query("/workers", { status: v.status, all: "1" })}">Show all</a></p>`;
}
