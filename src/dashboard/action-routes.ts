/**
 * POST routes: the path names the action and its target; the guard has already checked the request. Every action is
 * one entry of {@link ACTION_ROUTES}, so whatever must hold for all of them (read-only mode refuses each one) can be
 * checked against the whole list.
 */
import { type ActionResult, type DashboardActions, WORKER_ACTIONS } from "./actions.js";
import { routeId } from "./route-id.js";
import { SCHEDULE_ACTIONS, scheduleName } from "./schedule-actions.js";

/** What a path segment names: an id (digits) or a URL-encoded schedule name. */
export type ActionParam = "run" | "queue" | "message" | "worker" | "schedule";

/** One POST action: its path, with `{param}` segments, and what it does. */
export interface ActionRoute {
  /** The path, e.g. `/actions/runs/{run}/cancel`; each `{param}` is one path segment. */
  readonly template: string;
  /** The action on the decoded parameters (ids as numbers, the schedule name as text) and the posted form. */
  readonly run: (actions: DashboardActions, p: ActionParams, form: URLSearchParams) => Promise<ActionResult>;
}

/** The decoded parameters of a matched route; only those its template names are set. */
export type ActionParams = { readonly [K in Exclude<ActionParam, "schedule">]: number } & { readonly schedule: string };

const field = (form: URLSearchParams, name: string): string => form.get(name) ?? "";

/** Every action of the dashboard. */
export const ACTION_ROUTES: readonly ActionRoute[] = [
  { template: "/actions/runs/{run}/cancel", run: (a, p) => a.cancelRun(p.run) },
  {
    template: "/actions/runs/{run}/messages",
    run: (a, p, f) => a.sendMessage(p.run, field(f, "topic"), field(f, "payload")),
  },
  { template: "/actions/runs/{run}/retry", run: (a, p) => a.retryRun(p.run) },
  { template: "/actions/runs/{run}/resume", run: (a, p) => a.resumeRun(p.run) },
  { template: "/actions/runs/{run}/fork", run: (a, p, f) => a.forkRun(p.run, field(f, "fromStep")) },
  {
    template: "/actions/queues/{queue}/messages/{message}/replay",
    run: (a, p) => a.replayDeadLetter(p.queue, p.message),
  },
  { template: "/actions/queues/{queue}/enqueue", run: (a, p, f) => a.queue.enqueueMessage(p.queue, f) },
  { template: "/actions/queues/{queue}/purge", run: (a, p) => a.queue.purgeQueue(p.queue) },
  { template: "/actions/queues/{queue}/dead-letters/replay", run: (a, p) => a.queue.replayDeadLetters(p.queue) },
  { template: "/actions/queues/{queue}/settings", run: (a, p, f) => a.updateQueueSettings(p.queue, f) },
  ...WORKER_ACTIONS.map(
    (action): ActionRoute => ({
      template: `/actions/workers/{worker}/${action}`,
      run: (a, p) => a.worker(p.worker, action),
    }),
  ),
  ...SCHEDULE_ACTIONS.map(
    (action): ActionRoute => ({
      template: `/actions/schedules/{schedule}/${action}`,
      run: (a, p) => a.schedule(p.schedule, action),
    }),
  ),
  { template: "/actions/zombies/reclaim", run: (a) => a.reclaimZombies() },
];

interface Compiled {
  route: ActionRoute;
  pattern: RegExp;
  params: ActionParam[];
}

const COMPILED: readonly Compiled[] = ACTION_ROUTES.map((route) => {
  const params: ActionParam[] = [];
  const source = route.template.replace(/\{(\w+)\}/g, (_, name: string) => {
    params.push(name as ActionParam);
    return "([^/]+)";
  });
  return { route, pattern: new RegExp(`^${source}$`), params };
});

/** The route of a POST path and its raw segments, or `null` when no action has that path. */
export function findActionRoute(path: string): { route: ActionRoute; segments: Map<ActionParam, string> } | null {
  for (const c of COMPILED) {
    const m = c.pattern.exec(path);
    if (m === null) continue;
    return { route: c.route, segments: new Map(c.params.map((name, i) => [name, m[i + 1] ?? ""])) };
  }
  return null;
}

/**
 * `null` when no action has that path; `"bad-id"` when the path names a malformed id. `form` is the posted body
 * (fields of actions that take input).
 */
export async function routeAction(
  actions: DashboardActions,
  path: string,
  form: URLSearchParams = new URLSearchParams(),
): Promise<ActionResult | null | "bad-id"> {
  const found = findActionRoute(path);
  if (found === null) return null;
  const params: Record<string, number | string> = {};
  for (const [name, segment] of found.segments) {
    const value = name === "schedule" ? scheduleName(segment) : routeId(segment);
    if (value === null) return "bad-id";
    params[name] = value;
  }
  return found.route.run(actions, params as ActionParams, form);
}
