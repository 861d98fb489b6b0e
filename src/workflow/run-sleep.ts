/** `run.sleep` / `run.sleepUntil`: a durable timer. */
import { assertDate, assertMilliseconds, timeAfter } from "../validation/time-arguments.js";
import type { Run } from "./run.js";
import { assertName, beginOp, field, finishOp } from "./run-op.js";
import { RunWaitSignal } from "./run-waits.js";

/**
 * Sleep `ms` milliseconds (0 to 100 years) from the first time the run reaches operation `name`; see
 * {@link sleepUntil}.
 */
export async function sleepFor(run: Run, name: string, ms: number): Promise<void> {
  assertName("name", name);
  assertMilliseconds("ms", ms);
  const until = timeAfter("ms", run.now(), ms);
  await sleepUntil(run, name, until);
}

/**
 * Sleep until `until` (a Date from 1970 to 9999). The wake-up time is stored the first time the run reaches
 * operation `name`; until then the run is PAUSED and holds no worker slot, lease or connection, and its message
 * comes back at that time. Once woken the operation is done: a replay does not sleep again.
 */
export async function sleepUntil(run: Run, name: string, until: Date): Promise<void> {
  assertName("name", name);
  assertDate("until", until);
  await run.activity.track(sleepOp(run, name, until));
}

async function sleepOp(run: Run, name: string, until: Date): Promise<void> {
  const step = await beginOp(run, name, "sleep", { until: until.toISOString() });
  if (step.status === "SUCCESS") return;
  const stored = field(step.input, "until");
  const wakeAt = typeof stored === "string" ? new Date(stored) : until;
  if (run.now().getTime() >= wakeAt.getTime()) {
    await finishOp(run, name, { until: wakeAt.toISOString() });
    return;
  }
  const wait = { waitingFor: { kind: "sleep" as const, until: wakeAt, name }, until: wakeAt, wakeIf: [] };
  run.activity.addWait(wait);
  throw new RunWaitSignal(run.id, wait);
}
