/** The overview: totals, throughput over the last hour, every queue, workers and runs by status. */
import { WORKFLOW_STATUSES } from "../../types.js";
import { duration, num } from "../format.js";
import { type Html, html } from "../html.js";
import type { Overview } from "../reads.js";
import type { ThroughputTracker } from "../throughput.js";
import { sparkline, statusBars, throughputChart } from "./charts.js";
import { cell, query, stat } from "./layout.js";

const RUN_TONES: Record<string, string> = {
  QUEUED: "gray",
  RUNNING: "blue",
  PAUSED: "amber",
  SUCCESS: "green",
  ERROR: "red",
  CANCELLING: "amber",
  CANCELLED: "gray",
};

export function overviewPage(o: Overview, throughput: ThroughputTracker): Html {
  const sum = (
    k: "pendingMessages" | "leasedMessages" | "archivedMessages" | "deadLetteredMessages" | "delayedMessages",
  ) => o.metrics.reduce((a, m) => a + m[k], 0);
  const total = throughput.series(o.now);
  const w = o.workers;
  const activeWorkers = w.readyWorkers + w.pollingWorkers;
  return html`
  <h1>Overview</h1>
  <p class="sub">${num(o.metrics.length)} queue${o.metrics.length === 1 ? "" : "s"}, ${num(o.workflows.length)} workflow${
    o.workflows.length === 1 ? "" : "s"
  }, ${num(w.totalWorkers)} worker${w.totalWorkers === 1 ? "" : "s"}</p>
  <div class="grid cards">
    ${stat("Pending", sum("pendingMessages"), { id: "total-pending", hint: `${num(sum("delayedMessages"))} delayed` })}
    ${stat("Leased", sum("leasedMessages"), { id: "total-leased", hint: "held by consumers now" })}
    ${stat("Archived", sum("archivedMessages"), { id: "total-archived", hint: "done, incl. dead letters" })}
    ${stat("Dead letters", sum("deadLetteredMessages"), { id: "total-dead", warn: true, hint: "replay from the queue page" })}
    ${stat("Active workers", activeWorkers, { id: "active-workers", hint: html`<a href="/workers">${num(w.totalWorkers)} registered</a>` })}
    ${stat("Zombies", o.zombies, { id: "zombies", warn: true, hint: html`<a href="/workers">heartbeat too old</a>` })}
  </div>
  <div class="card">
    <div class="chart-head"><h2>Throughput · last hour</h2>
      <div><span class="big" data-testid="throughput-total">${num(total.total)}</span> <span class="muted">completed${
        total.loading ? " (reading the last hour…)" : total.partial ? " (early minutes partial)" : ""
      }</span></div></div>
    ${throughputChart(total)}
  </div>
  <div class="card">
    <h2>Queues</h2>
    ${o.metrics.length === 0 ? html`<div class="empty">No queues yet</div>` : queueTable(o, throughput)}
  </div>
  <div class="grid two">
    <div class="card"><h2>Workers by status</h2>
      ${statusBars([
        { label: "ready", value: w.readyWorkers, tone: "green", id: "workers-ready", href: "/workers?status=ready" },
        {
          label: "polling",
          value: w.pollingWorkers,
          tone: "blue",
          id: "workers-polling",
          href: "/workers?status=polling",
        },
        {
          label: "suspended",
          value: w.suspendedWorkers,
          tone: "amber",
          id: "workers-suspended",
          href: "/workers?status=suspended",
        },
        {
          label: "interrupted",
          value: w.interruptedWorkers,
          tone: "amber",
          id: "workers-interrupted",
          href: "/workers?status=interrupted",
        },
        {
          label: "stopped",
          value: w.stoppedWorkers,
          tone: "gray",
          id: "workers-stopped",
          href: "/workers?status=stopped",
        },
      ])}
    </div>
    <div class="card"><h2>Runs by status</h2>
      ${statusBars(
        WORKFLOW_STATUSES.map((s) => ({
          label: s.toLowerCase(),
          value: o.runsByStatus[s],
          tone: RUN_TONES[s] ?? "gray",
          id: `runs-${s}`,
          href: query("/workflows", { status: s }),
        })),
      )}
    </div>
  </div>`;
}

function queueTable(o: Overview, throughput: ThroughputTracker): Html {
  return html`<table>
    <thead><tr><th>Queue</th><th class="n">Pending</th><th class="n">Delayed</th><th class="n">Leased</th>
      <th class="n">Archived</th><th class="n">Dead</th><th class="n">Oldest pending</th><th>Last hour</th></tr></thead>
    <tbody>${o.metrics.map((m) => {
      const s = throughput.series(o.now, m.queueId);
      const id = (k: string) => `q-${m.queueId}-${k}`;
      return html`<tr data-queue="${m.name}">
        <td><a href="/queues/${m.queueId}">${m.name}</a></td>
        ${cell(m.pendingMessages, id("pending"))}${cell(m.delayedMessages, id("delayed"))}${cell(m.leasedMessages, id("leased"))}
        ${cell(m.archivedMessages, id("archived"))}${cell(m.deadLetteredMessages, id("dead"))}
        <td class="n ${m.oldestPendingAgeMs === 0 ? "zero" : ""}">${m.oldestPendingAgeMs === 0 ? "—" : duration(m.oldestPendingAgeMs)}</td>
        <td title="${num(s.total)} completed in the last hour">${sparkline(s.counts)}</td>
      </tr>`;
    })}</tbody></table>`;
}
