/**
 * GET routes: each turns a URL into the `<main>` markup of a page (or a redirect / JSON). Query parameters go
 * through allow-lists (statuses, filters) or integer parsing; anything else is ignored.
 */
import type { WorkerStatus, WorkflowStatus } from "../types.js";
import { WORKER_STATUSES, WORKFLOW_STATUSES } from "../types.js";
import type { Html } from "./html.js";
import { overviewPage } from "./pages/overview-page.js";
import { queuePage } from "./pages/queue-page.js";
import { runPage } from "./pages/run-page.js";
import { workersPage } from "./pages/workers-page.js";
import { workflowsPage } from "./pages/workflows-page.js";
import type { Section } from "./pages/layout.js";
import { type DashboardReads, MESSAGE_FILTERS, type MessageFilter } from "./reads.js";

export type PageResult =
  | { kind: "page"; title: string; section: Section; main: Html }
  | { kind: "redirect"; location: string }
  | { kind: "json"; status: number; body: unknown }
  | { kind: "not-found"; what: string };

export async function routePage(reads: DashboardReads, url: URL): Promise<PageResult> {
  const path = url.pathname;
  const q = url.searchParams;
  if (path === "/") {
    return {
      kind: "page",
      title: "Overview",
      section: "overview",
      main: overviewPage(await reads.overview(), reads.throughput),
    };
  }
  if (path === "/workers") return workers(reads, q);
  if (path === "/workflows") return workflows(reads, q);
  let m = /^\/queues\/(\d+)$/.exec(path);
  if (m !== null) return queue(reads, Number(m[1]), q);
  m = /^\/runs\/(\d+)$/.exec(path);
  if (m !== null) {
    const data = await reads.run(Number(m[1]));
    if (data === null) return { kind: "not-found", what: `Run ${m[1]}` };
    return { kind: "page", title: `Run #${data.run.id}`, section: "run", main: runPage({ ...data, now: reads.now() }) };
  }
  m = /^\/api\/messages\/(\d+)$/.exec(path);
  if (m !== null) {
    const msg = await reads.message(Number(m[1]));
    return msg === null
      ? { kind: "json", status: 404, body: { ok: false, message: `Message ${m[1]} not found` } }
      : { kind: "json", status: 200, body: msg };
  }
  return { kind: "not-found", what: path };
}

async function queue(reads: DashboardReads, id: number, q: URLSearchParams): Promise<PageResult> {
  const found = await reads.queue(id);
  if (found === null) return { kind: "not-found", what: `Queue ${id}` };
  const state = pick(q.get("state"), MESSAGE_FILTERS) ?? ("active" satisfies MessageFilter);
  const messages = await reads.messages(id, state, pageOf(q));
  const main = queuePage({
    ...found,
    state,
    messages,
    now: reads.now(),
    maxReadCt: reads.store.config.maxReadCt,
  });
  return { kind: "page", title: found.queue.queueName, section: "queue", main };
}

async function workers(reads: DashboardReads, q: URLSearchParams): Promise<PageResult> {
  const status = pick<WorkerStatus>(q.get("status"), WORKER_STATUSES);
  const [counts, list] = await Promise.all([reads.workerCounts(), reads.workers(status, pageOf(q))]);
  const main = workersPage({
    status,
    ...counts,
    zombieThresholdMs: reads.admin.defaultZombieThresholdMs(),
    workers: list,
    now: reads.now(),
  });
  return { kind: "page", title: "Workers", section: "workers", main };
}

async function workflows(reads: DashboardReads, q: URLSearchParams): Promise<PageResult> {
  const search = q.get("q")?.trim();
  let searched: string | undefined;
  if (search !== undefined && search !== "") {
    const id = /^#?(\d+)$/.exec(search)?.[1];
    const run = id === undefined ? null : await reads.findRun(Number(id));
    if (run !== null) return { kind: "redirect", location: `/runs/${run.id}` };
    searched = search;
  }
  const status = pick<WorkflowStatus>(q.get("status"), WORKFLOW_STATUSES);
  const wf = q.get("workflow");
  const workflowId = wf !== null && /^\d+$/.test(wf) ? Number(wf) : undefined;
  const [defs, names, counts, runs] = await Promise.all([
    reads.workflows(),
    reads.queueNames(),
    reads.runCounts(workflowId),
    reads.runs(workflowId, status, pageOf(q)),
  ]);
  const main = workflowsPage({
    workflows: defs,
    queueOf: names,
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

function pageOf(q: URLSearchParams): number {
  const p = Number(q.get("page") ?? 0);
  return Number.isSafeInteger(p) && p > 0 && p < 1_000_000 ? p : 0;
}
