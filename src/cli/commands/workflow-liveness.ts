/**
 * `workflow trigger --wait`: say so, within seconds, when no live worker serves the workflow, instead of waiting
 * silently until the timeout. A worker is live when it polls the workflow's queue (a poll loop: `worker run`,
 * `consumer(...).handler(def)`, `workflow().consumer(c).poll(store)`; producers, the trigger's own included, and
 * idle consumers are `ready`) and its last heartbeat is fresher than six heartbeat periods (the zombie threshold). Checked at once and every few seconds
 * while waiting; the warning is written again only after a live worker was seen in between.
 */
import type { Store, WorkerRecord } from "../../index.js";

/** Period between checks while waiting, ms. */
export const LIVENESS_CHECK_MS = 5_000;

/** The heartbeat age beyond which a worker is not counted as live: six heartbeat periods, at least 1 s (ms). */
export function staleAfterMs(store: Store): number {
  return Math.max(1000, store.config.heartbeatIntervalSeconds * 6000);
}

/** True when `w` is polling and heartbeated within `staleMs` of `now`. */
export function isLive(w: WorkerRecord, now: Date, staleMs: number): boolean {
  return w.status === "polling" && now.getTime() - w.heartbeatAt.getTime() <= staleMs;
}

/** The warning for `workflow`, with how to start a worker. */
export function noWorkerWarning(workflow: string, staleMs: number): string {
  return (
    `warning: no live worker serves workflow '${workflow}' (no worker polling its queue heartbeated in the last ` +
    `${Math.round(staleMs / 1000)} s), so the run will not start until one does. Start one with ` +
    "`pgqrs worker run --module ./your-workflows.js` (a module exporting the defineWorkflow value), or " +
    `\`pgqrs.consumer(name, "${workflow}").handler(def).create(store)\` in your app.\n`
  );
}

/**
 * Check the workers of `queueId` now and every {@link LIVENESS_CHECK_MS} until the returned `stop` is called;
 * `warn` receives {@link noWorkerWarning} when none is live. Failures of a check are ignored (the wait goes on).
 */
export function watchWorkers(
  store: Store,
  workflow: string,
  queueId: number,
  warn: (text: string) => void,
): { stop: () => void; checked: Promise<void> } {
  const staleMs = staleAfterMs(store);
  let warned = false;
  let stopped = false;
  const check = async () => {
    const serving = await store.tables().workers().list({ queueId, status: "polling" });
    const now = new Date();
    const live = serving.some((w) => isLive(w, now, staleMs));
    if (stopped) return;
    if (!live && !warned) warn(noWorkerWarning(workflow, staleMs));
    warned = !live;
  };
  const checked = check().catch(() => undefined);
  const timer = setInterval(() => {
    void check().catch(() => undefined);
  }, LIVENESS_CHECK_MS);
  timer.unref();
  return {
    checked,
    stop: () => {
      stopped = true;
      clearInterval(timer);
    },
  };
}
