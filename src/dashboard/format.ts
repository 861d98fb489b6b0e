/** Formatting of times, durations, numbers and JSON for the dashboard's pages. */
import type { QueueMessage, WorkerStatus, WorkflowStatus } from "../types.js";
import { type Html, html } from "./html.js";

/** `1,234` with thin grouping, stable across locales (the tests read numbers off the page). */
export function num(n: number): string {
  return n.toLocaleString("en-US");
}

/** A short human duration: `850 ms`, `12 s`, `4 min`, `3 h`, `2 d`. */
export function duration(ms: number): string {
  const a = Math.abs(ms);
  if (a < 1000) return `${Math.round(ms)} ms`;
  if (a < 60_000) return `${(ms / 1000).toFixed(a < 10_000 ? 1 : 0)} s`;
  if (a < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  if (a < 86_400_000) return `${(ms / 3_600_000).toFixed(1)} h`;
  return `${(ms / 86_400_000).toFixed(1)} d`;
}

/** `<time>` with the ISO instant as tooltip and "3 min ago" / "in 20 s" as text. */
export function ago(at: Date | null, now: Date): Html {
  if (at === null) return html`<span class="muted">—</span>`;
  const d = now.getTime() - at.getTime();
  const text = Math.abs(d) < 1000 ? "just now" : d >= 0 ? `${duration(d)} ago` : `in ${duration(-d)}`;
  return html`<time datetime="${at.toISOString()}" title="${at.toISOString()}">${text}</time>`;
}

/** ISO timestamp without the date noise when it is today. */
export function stamp(at: Date | null): string {
  return at === null ? "—" : at.toISOString().replace("T", " ").replace("Z", "");
}

/** JSON for display: pretty, and cut at `max` characters. */
export function prettyJson(value: unknown, max = 20_000): string {
  const text = JSON.stringify(value, null, 2) ?? "null";
  return text.length > max ? `${text.slice(0, max)}\n… (${num(text.length - max)} more characters)` : text;
}

/** One-line JSON preview. */
export function jsonPreview(value: unknown, max = 90): string {
  const text = JSON.stringify(value) ?? "null";
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export type MessageState = "pending" | "delayed" | "leased" | "exhausted" | "archived" | "dead";

/** The state of a message at `now`, as the glossary in types.ts defines them. */
export function messageState(m: QueueMessage, now: Date, maxReadCt: number): MessageState {
  if (m.deadLetteredAt !== null) return "dead";
  if (m.archivedAt !== null) return "archived";
  if (m.vt.getTime() > now.getTime()) return m.consumerWorkerId === null ? "delayed" : "leased";
  return m.readCt >= maxReadCt ? "exhausted" : "pending";
}

/** The colour of each run (and step) status: the pill, the overview's bars and the run page's step segments. */
export const RUN_STATUS_TONES: Readonly<Record<WorkflowStatus, string>> = {
  QUEUED: "gray",
  RUNNING: "blue",
  PAUSED: "amber",
  SUCCESS: "green",
  ERROR: "red",
  CANCELLING: "amber",
  CANCELLED: "gray",
};

const TONES: Record<string, string> = {
  pending: "blue",
  delayed: "gray",
  leased: "amber",
  exhausted: "red",
  archived: "green",
  dead: "red",
  ready: "green",
  polling: "blue",
  suspended: "amber",
  interrupted: "amber",
  stopped: "gray",
  zombie: "red",
  ...RUN_STATUS_TONES,
};

/** A coloured status pill. */
export function pill(status: MessageState | WorkerStatus | WorkflowStatus | "zombie"): Html {
  return html`<span class="pill ${TONES[status] ?? "gray"}" data-status="${status}">${status.toLowerCase()}</span>`;
}
