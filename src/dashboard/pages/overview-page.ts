/**
 * The overview: totals, throughput over the last hour, one page of queues (most pending first, with a name
 * search), workers and runs by status. Its size does not depend on the number of queues.
 */
import { WORKFLOW_STATUSES } from "../../types.js";
import { duration, num, RUN_STATUS_TONES } from "../format.js";
import { type Html, html } from "../html.js";
import { OVERVIEW_QUEUES, type Overview } from "../reads.js";
import { sparkline, statusBars, throughputChart } from "./charts.js";
import { cell, pager, query, stat } from "./layout.js";

export function overviewPage(o: Overview): Html {
  const t = o.totals;
  const total = o.throughput;
  const w = o.workers;
  const activeWorkers = w.readyWorkers + w.pollingWorkers;
  return html`
  <h1>Overview</h1>
  <p class="sub">${num(t.queues)} queue${t.queues === 1 ? "" : "s"}, ${num(t.workflows)} workflow${
    t.workflows === 1 ? "" : "s"
  }, ${num(w.totalWorkers)} worker${w.totalWorkers === 1 ? "" : "s"}</p>
  <div class="grid cards">
    ${stat("Pending", t.pendingMessages, { id: "total-pending", hint: `${num(t.delayedMessages)} delayed` })}
    ${stat("Leased", t.leasedMessages, { id: "total-leased", hint: "held by consumers now" })}
    ${stat("Archived", t.archivedMessages, { id: "total-archived", hint: "done, incl. dead letters" })}
    ${stat("Dead letters", t.deadLetteredMessages, { id: "total-dead", warn: true, hint: "replay from the queue page" })}
    ${stat("Active workers", activeWorkers, { id: "active-workers", hint: html`<a href="/workers">${num(w.totalWorkers)} registered</a>` })}
    ${stat("Zombies", o.zombies, { id: "zombies", warn: true, hint: html`<a href="/workers">heartbeat too old</a>` })}
  </div>
  <div class="card">
    <div class="chart-head"><h2>Throughput · last hour</h2>
      <div><span class="big" data-testid="throughput-total">${num(total.total)}</span> <span class="muted">completed</span></div></div>
    ${throughputChart(total)}
  </div>
  ${queuesCard(o)}
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
          tone: RUN_STATUS_TONES[s] ?? "gray",
          id: `runs-${s}`,
          href: query("/workflows", { status: s }),
        })),
      )}
    </div>
  </div>`;
}

function queuesCard(o: Overview): Html {
  const q = o.queues;
  const href = (page: number) => query("/", { q: q.search, page });
  const first = q.page * OVERVIEW_QUEUES + 1;
  const shown = q.rows.length === 0 ? "" : `${num(first)}–${num(first + q.rows.length - 1)} of ${num(q.matching)}`;
  return html`<div class="card">
    <div class="toolbar"><h2 style="margin:0">Queues <span class="muted" data-testid="queues-shown">${shown}</span></h2>
      <form method="get" action="/" class="inline" role="search">
        <input type="search" name="q" placeholder="Find a queue by name" value="${q.search ?? ""}" aria-label="Find a queue">
      </form></div>
    <p class="sub">Most pending first.</p>
    ${
      q.rows.length > 0
        ? queueTable(o)
        : q.search === undefined
          ? html`<div class="empty">No queues yet</div>`
          : html`<div class="empty" data-testid="queue-search-miss">No queue name contains <b>${q.search}</b></div>`
    }
    ${pager(q.page, q.hasNext, href)}
  </div>`;
}

function queueTable(o: Overview): Html {
  return html`<table data-testid="queues">
    <thead><tr><th>Queue</th><th class="n">Pending</th><th class="n">Delayed</th><th class="n">Leased</th>
      <th class="n">Archived</th><th class="n">Dead</th><th class="n">Oldest pending</th><th>Last hour</th></tr></thead>
    <tbody>${o.queues.rows.map((m) => {
      const s = o.queueThroughput.get(m.queueId);
      const id = (k: string) => `q-${m.queueId}-${k}`;
      return html`<tr data-queue="${m.name}">
        <td><a href="/queues/${m.queueId}">${m.name}</a></td>
        ${cell(m.pendingMessages, id("pending"))}${cell(m.delayedMessages, id("delayed"))}${cell(m.leasedMessages, id("leased"))}
        ${cell(m.archivedMessages, id("archived"))}${cell(m.deadLetteredMessages, id("dead"))}
        <td class="n ${m.oldestPendingAgeMs === 0 ? "zero" : ""}">${m.oldestPendingAgeMs === 0 ? "—" : duration(m.oldestPendingAgeMs)}</td>
        <td title="${num(s?.total ?? 0)} completed in the last hour">${sparkline(s?.counts ?? [])}</td>
      </tr>`;
    })}</tbody></table>`;
}
