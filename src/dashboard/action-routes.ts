/** POST routes: the path names the action and its target; the guard has already checked the request. */
import { type ActionResult, type DashboardActions, WORKER_ACTIONS, type WorkerAction } from "./actions.js";

export async function routeAction(actions: DashboardActions, path: string): Promise<ActionResult | null> {
  let m = /^\/actions\/runs\/(\d+)\/cancel$/.exec(path);
  if (m !== null) return actions.cancelRun(Number(m[1]));
  m = /^\/actions\/queues\/(\d+)\/messages\/(\d+)\/replay$/.exec(path);
  if (m !== null) return actions.replayDeadLetter(Number(m[1]), Number(m[2]));
  m = /^\/actions\/workers\/(\d+)\/(\w+)$/.exec(path);
  if (m !== null) {
    const action = WORKER_ACTIONS.find((a): a is WorkerAction => a === m?.[2]);
    return action === undefined ? null : actions.worker(Number(m[1]), action);
  }
  if (path === "/actions/zombies/reclaim") return actions.reclaimZombies();
  return null;
}
