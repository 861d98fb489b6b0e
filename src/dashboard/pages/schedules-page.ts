/**
 * Schedules: every cron schedule with its target, next run and last firing (issue 18); pause / resume and
 * "trigger now" as confirmed, guarded actions (POST /actions/schedules/<name>/pause|resume|trigger).
 */
import type { ScheduleRecord } from "../../store/schedule-store.js";
import { ago, jsonPreview, num } from "../format.js";
import { type Html, html } from "../html.js";
import { actionForm, pager, stat } from "./layout.js";

/** A schedule as the admin API returns it. */
export type ScheduleRow = ScheduleRecord;

export interface SchedulesView {
  /** One page of schedules, by name. */
  schedules: readonly ScheduleRow[];
  /** Schedules in all, and paused ones. */
  total: number;
  paused: number;
  /** 0-based page number, and whether a next page exists. */
  page: number;
  hasNext: boolean;
  now: Date;
  /** Leave out the action forms (a read-only dashboard). Default false. */
  readOnly?: boolean;
}

/** The path of an action on one schedule (its name, URL-encoded). */
export function scheduleActionPath(name: string, action: "pause" | "resume" | "trigger"): string {
  return `/actions/schedules/${encodeURIComponent(name)}/${action}`;
}

function state(s: ScheduleRow): { label: string; tone: string } {
  if (s.paused) return { label: "paused", tone: "amber" };
  if (s.nextRunAt === null) return { label: "ended", tone: "gray" };
  return { label: "active", tone: "green" };
}

export function schedulesPage(v: SchedulesView): Html {
  return html`
  <h1>Schedules</h1>
  <p class="sub">Each tick fires once across every process that runs a loop of this database. Overlap "skip": no new
  firing while the last one is unfinished; catch-up: which ticks missed while no loop ran still fire (latest, all or
  none).</p>
  <div class="grid cards">
    ${stat("Schedules", v.total, { id: "schedules-total" })}
    ${stat("Paused", v.paused, { id: "schedules-paused", warn: true })}
  </div>
  <div class="card">
    ${v.total === 0 ? html`<div class="empty">No schedules. Create one with <code>admin(store).createSchedule(…)</code> or <code>pgqrs schedule create</code>.</div>` : scheduleTable(v)}
    ${pager(v.page, v.hasNext, (p) => `/schedules?page=${p}`)}
  </div>`;
}

function scheduleTable(v: SchedulesView): Html {
  return html`<table data-testid="schedules">
    <thead><tr><th>Name</th><th>Cron</th><th>Target</th><th>State</th><th>Next run</th><th>Last run</th>
      <th>Last</th><th class="n">Last message</th><th></th></tr></thead>
    <tbody>${v.schedules.map((s) => {
      const st = state(s);
      const data = s.workflow !== null ? s.input : s.payload;
      return html`<tr data-schedule="${s.name}">
        <td class="mono">${s.name}</td>
        <td class="mono" title="${s.timezone}">${s.cron} <span class="muted">${s.timezone}</span></td>
        <td>${s.workflow !== null ? html`workflow <span class="mono">${s.workflow}</span>` : html`queue <span class="mono">${s.queue}</span>`}
          ${data === null || data === undefined ? "" : html`<div class="muted mono small" title="${jsonPreview(data, 2000)}">${jsonPreview(data, 60)}</div>`}</td>
        <td><span class="pill ${st.tone}" data-status="${st.label}" data-testid="state-${s.id}">${st.label}</span></td>
        <td data-testid="next-${s.id}">${ago(s.nextRunAt, v.now)}</td>
        <td data-testid="last-${s.id}">${ago(s.lastRunAt, v.now)}</td>
        <td data-testid="last-status-${s.id}">${s.lastStatus === null ? html`<span class="muted">—</span>` : html`<span class="pill ${s.lastStatus === "fired" ? "green" : "gray"}">${s.lastStatus}</span>`}</td>
        <td class="n mono">${s.lastMessageId === null ? html`<span class="muted">—</span>` : `#${num(s.lastMessageId)}`}</td>
        <td><div class="actions">${v.readOnly === true ? "" : scheduleActions(s)}</div></td>
      </tr>`;
    })}</tbody></table>`;
}

/** Pause or resume, and trigger now. */
function scheduleActions(s: ScheduleRow): Html {
  return html`${
    s.paused
      ? actionForm({
          action: scheduleActionPath(s.name, "resume"),
          label: "Resume",
          title: `Resume schedule ${s.name}?`,
          confirm: `It fires again from its next tick; ticks missed while paused follow its catch-up rule (${s.catchUp}).`,
          small: true,
        })
      : actionForm({
          action: scheduleActionPath(s.name, "pause"),
          label: "Pause",
          title: `Pause schedule ${s.name}?`,
          confirm: "It fires nothing until resumed.",
          small: true,
        })
  }
          ${actionForm({
            action: scheduleActionPath(s.name, "trigger"),
            label: "Trigger now",
            title: `Trigger schedule ${s.name} now?`,
            confirm: `One extra firing now: ${s.workflow !== null ? `a run of ${s.workflow}` : `a message on ${s.queue ?? "its queue"}`}. Its ticks stay as they are.`,
            small: true,
          })}`;
}
