/**
 * GET routes: each turns a URL into the `<main>` markup of a page (or a redirect / JSON). Query parameters go
 * through allow-lists (statuses, filters) or integer parsing; anything else is ignored.
 */
import type { QueueMessage, WorkerRecord, WorkerStatus, WorkflowStatus } from "../types.js";
import { WORKER_STATUSES, WORKFLOW_STATUSES } from "../types.js";
import type { Html } from "./html.js";
import { overviewPage } from "./pages/overview-page.js";
import { queuePage } from "./pages/queue-page.js";
import { runPage } from "./pages/run-page.js";
import { schedulesPage } from "./pages/schedules-page.js";
import { workersPage } from "./pages/workers-page.js";
import { workflowsPage } from "./pages/workflows-page.js";
import type { Section } from "./pages/layout.js";
import { type DashboardReads, MESSAGE_FILTERS, type MessageFilter, PAGE_SIZE } from "./reads.js";
import { routeId } from "./route-id.js";

export type PageResult =
  | { kind: "page"; title: string; section: Section; main: Html }
  | { kind: "redirect"; location: string }
  | { kind: "json"; status: number; body: unknown }
  | { kind: "not-found"; what: string }
  | { kind: "bad-request"; message: string };

/** Longest search text used; the rest is ignored. */
const MAX_SEARCH = 200;

/** How pages are rendered, the same for every request of one dashboard. */
export interface PageOptions {
  /** Leave out every action form and button (the dashboard is read-only). */
  readOnly: boolean;
}

export async function routePage(reads: DashboardReads, url: URL, opts: PageOptions): Promise<PageResult> {
  const { readOnly } = opts;
  const path = url.pathname;
  const q = url.searchParams;
  if (path === "/") {
    const overview = await reads.overview(searchOf(q.get("q")), pageOf(q));
    return { kind: "page", title: "Overview", section: "overview", main: overviewPage(overview) };
  }
  if (path === "/workers") return workers(reads, q, readOnly);
  if (path === "/workflows") return workflows(reads, q);
  if (path === "/schedules") {
    // One page of schedules and the counts: the page's reads do not grow with the number of schedules.
    const page = pageOf(q);
    const [rows, counts] = await Promise.all([
      reads.admin.listSchedules({ limit: PAGE_SIZE + 1, offset: page * PAGE_SIZE }),
      reads.admin.countSchedules(),
    ]);
    const main = schedulesPage({
      schedules: rows.slice(0, PAGE_SIZE),
      total: counts.total,
      paused: counts.paused,
      page,
      hasNext: rows.length > PAGE_SIZE,
      now: reads.now(),
      readOnly,
    });
    return { kind: "page", title: "Schedules", section: "schedules", main };
  }
  let m = /^\/queues\/([^/]+)$/.exec(path);
  if (m !== null) {
    const id = routeId(m[1]);
    return id === null ? badId("queue", m[1]) : queue(reads, id, q, readOnly);
  }
  m = /^\/runs\/([^/]+)$/.exec(path);
  if (m !== null) {
    const id = routeId(m[1]);
    if (id === null) return badId("run", m[1]);
    const data = await reads.run(id);
    if (data === null) return { kind: "not-found", what: `Run ${id}` };
    return {
      kind: "page",
      title: `Run #${data.run.id}`,
      section: "run",
      main: runPage({ ...data, now: reads.now(), readOnly }),
    };
  }
  m = /^\/api\/messages\/([^/]+)$/.exec(path);
  if (m !== null) {
    const id = routeId(m[1]);
    if (id === null) return { kind: "json", status: 400, body: { ok: false, message: "Not a message id" } };
    const msg = await reads.message(id);
    return msg === null
      ? { kind: "json", status: 404, body: { ok: false, message: `Message ${id} not found` } }
      : { kind: "json", status: 200, body: msg };
  }
  return { kind: "not-found", what: path };
}

function badId(what: string, text: string | undefined): PageResult {
  return { kind: "bad-request", message: `'${decodeSafely(text ?? "")}' is not a ${what} id` };
}

function decodeSafely(text: string): string {
  try {
    return decodeURIComponent(text).slice(0, 40);
  } catch {
    return text.slice(0, 40);
  }
}

async function queue(reads: DashboardReads, id: number, q: URLSearchParams, readOnly: boolean): Promise<PageResult> {
  const found = await reads.queue(id);
  if (found === null) return { kind: "not-found", what: `Queue ${id}` };
  const state = pick(q.get("state"), MESSAGE_FILTERS) ?? ("active" satisfies MessageFilter);
  const messages = await reads.messages(id, state, pageOf(q));
  const main = queuePage({
    ...found,
    state,
    messages,
    consumers: await consumersOf(reads, messages.rows),
    now: reads.now(),
    maxReadCt: reads.store.config.maxReadCt,
    readOnly,
  });
  return { kind: "page", title: found.queue.queueName, section: "queue", main };
}

/** The workers named as consumers of a page of messages (at most one page's worth of distinct ids), by id. */
async function consumersOf(reads: DashboardReads, rows: readonly QueueMessage[]): Promise<Map<number, WorkerRecord>> {
  const ids = [...new Set(rows.map((m) => m.consumerWorkerId).filter((w): w is number => w !== null))];
  const found = await Promise.all(ids.map((w) => reads.store.tables().workers().get(w)));
  return new Map(found.filter((w): w is WorkerRecord => w !== null).map((w) => [w.id, w]));
}

async function workers(reads: DashboardReads, q: URLSearchParams, readOnly: boolean): Promise<PageResult> {
  const status = pick<WorkerStatus>(q.get("status"), WORKER_STATUSES);
  const all = q.get("all") === "1";
  const [counts, list, hidden] = await Promise.all([
    reads.workerCounts(),
    reads.workers(status, pageOf(q), all),
    reads.hiddenWorkers(status),
  ]);
  const main = workersPage({
    status,
    all,
    hidden,
    ...counts,
    zombieThresholdMs: reads.admin.defaultZombieThresholdMs(),
    workers: list,
    now: reads.now(),
    readOnly,
  });
  return { kind: "page", title: "Workers", section: "workers", main };
}

async function workflows(reads: DashboardReads, q: URLSearchParams): Promise<PageResult> {
  const search = searchOf(q.get("q"));
  let searched: string | undefined;
  if (search !== undefined) {
    const id = routeId(/^#?(\d+)$/.exec(search)?.[1]);
    const run = id === null ? null : await reads.findRun(id);
    if (run !== null) return { kind: "redirect", location: `/runs/${run.id}` };
    searched = search;
  }
  const status = pick<WorkflowStatus>(q.get("status"), WORKFLOW_STATUSES);
  const wf = q.get("workflow");
  const workflowId = wf === null || wf === "" ? undefined : routeId(wf);
  if (workflowId === null) return badId("workflow", wf ?? "");
  const [definitions, counts, runs] = await Promise.all([
    reads.definitions(searchOf(q.get("dq")), pageOf(q, "dpage")),
    reads.runCounts(workflowId),
    reads.runs(workflowId, status, q.get("cursor") ?? undefined),
  ]);
  const names = workflowId === undefined ? new Map<number, string>() : await reads.workflowNames([workflowId]);
  const main = workflowsPage({
    definitions: definitions.list,
    queueOf: definitions.queueOf,
    names,
    workflowId,
    status,
    counts,
    runs,
    searched,
    now: reads.now(),
  });
  return { kind: "page", title: "Workflows", section: "workflows", main };
}

function pick<T extends string>(value: string | null, allowed: readonly T[]): T | undefined {
  return allowed.find((a) => a === value);
}

function pageOf(q: URLSearchParams, name = "page"): number {
  const p = Number(q.get(name) ?? 0);
  return Number.isSafeInteger(p) && p > 0 && p < 1_000_000 ? p : 0;
}

function searchOf(text: string | null): string | undefined {
  const s = text?.trim().slice(0, MAX_SEARCH);
  return s === undefined || s === "" ? undefined : s;
}
