/** POST routes: the path names the action and its target; the guard has already checked the request. */
import { type ActionResult, type DashboardActions, WORKER_ACTIONS, type WorkerAction } from "./actions.js";
import { routeId } from "./route-id.js";
import { SCHEDULE_ACTIONS, scheduleName } from "./schedule-actions.js";

/**
 * `null` when no action has that path; `"bad-id"` when the path names a malformed id. `form` is the posted body
 * (fields of actions that take input).
 */
export async function routeAction(
  actions: DashboardActions,
  path: string,
  form: URLSearchParams = new URLSearchParams(),
): Promise<ActionResult | null | "bad-id"> {
  let m = /^\/actions\/runs\/([^/]+)\/cancel$/.exec(path);
  if (m !== null) {
    const id = routeId(m[1]);
    return id === null ? "bad-id" : actions.cancelRun(id);
  }
  m = /^\/actions\/runs\/([^/]+)\/messages$/.exec(path);
  if (m !== null) {
    const id = routeId(m[1]);
    return id === null ? "bad-id" : actions.sendMessage(id, form.get("topic") ?? "", form.get("payload") ?? "");
  }
  m = /^\/actions\/runs\/([^/]+)\/(retry|resume|fork)$/.exec(path);
  if (m !== null) {
    const id = routeId(m[1]);
    if (id === null) return "bad-id";
    if (m[2] === "retry") return actions.retryRun(id);
    if (m[2] === "resume") return actions.resumeRun(id);
    return actions.forkRun(id, form.get("fromStep") ?? "");
  }
  m = /^\/actions\/queues\/([^/]+)\/messages\/([^/]+)\/replay$/.exec(path);
  if (m !== null) {
    const queueId = routeId(m[1]);
    const messageId = routeId(m[2]);
    return queueId === null || messageId === null ? "bad-id" : actions.replayDeadLetter(queueId, messageId);
  }
  m = /^\/actions\/queues\/([^/]+)\/(enqueue|purge|dead-letters\/replay)$/.exec(path);
  if (m !== null) {
    const queueId = routeId(m[1]);
    if (queueId === null) return "bad-id";
    if (m[2] === "enqueue") return actions.queue.enqueueMessage(queueId, form);
    if (m[2] === "purge") return actions.queue.purgeQueue(queueId);
    return actions.queue.replayDeadLetters(queueId);
  }
  m = /^\/actions\/queues\/([^/]+)\/settings$/.exec(path);
  if (m !== null) {
    const queueId = routeId(m[1]);
    return queueId === null ? "bad-id" : actions.updateQueueSettings(queueId, form);
  }
  m = /^\/actions\/workers\/([^/]+)\/(\w+)$/.exec(path);
  if (m !== null) {
    const action = WORKER_ACTIONS.find((a): a is WorkerAction => a === m?.[2]);
    if (action === undefined) return null;
    const id = routeId(m[1]);
    return id === null ? "bad-id" : actions.worker(id, action);
  }
  m = /^\/actions\/schedules\/([^/]+)\/(\w+)$/.exec(path);
  if (m !== null) {
    const action = SCHEDULE_ACTIONS.find((a) => a === m?.[2]);
    if (action === undefined) return null;
    const name = scheduleName(m[1]);
    return name === null ? "bad-id" : actions.schedule(name, action);
  }
  if (path === "/actions/zombies/reclaim") return actions.reclaimZombies();
  return null;
}
