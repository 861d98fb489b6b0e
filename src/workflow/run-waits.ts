/**
 * Waits of a run: the durable primitives that cannot go on yet (a sleep not due, a `recv` with nothing to receive,
 * a child not finished) record what they wait for and throw a {@link RunWaitSignal}; the worker's handler then
 * lets the run's other operations in flight settle (a `Promise.all` fan-out), suspends the run until the earliest
 * deadline and gives its slot back. The run's message comes back at that time, or earlier when a waker (a `send`,
 * a child's end, a cancellation) makes it visible; the replay finds what is done and goes on.
 */
import { PgqrsError } from "../errors.js";
import type { RunWaitingFor, WakeCondition } from "../store/run-primitives.js";

/**
 * A wait without a deadline of its own (`recv` without a timeout, a child's result) is checked again after this
 * long, ms (1 hour): it only matters when a wake-up was lost to something outside this package (a pgqrs worker in
 * another language finishing a child), and costs one statement per waiting run per hour.
 */
export const WAIT_BACKSTOP_MS = 3_600_000;

/** One wait a primitive asked for. */
export interface RunWait {
  /** What the run waits for, as stored on the run. */
  waitingFor: RunWaitingFor;
  /** When the run's message comes back on its own. */
  until: Date;
  /** Conditions that, if already true when the run suspends, bring it back at once. */
  wakeIf: readonly WakeCondition[];
}

/**
 * Thrown by `run.sleep`, `run.recv` and `child.result()` when the run must wait. The workflow's worker catches it
 * and suspends the run: do not catch it in workflow code (a workflow that swallows it is suspended all the same
 * once it returns, and its return value is ignored).
 */
export class RunWaitSignal extends PgqrsError {
  /** What the run waits for and until when (the worker stores it on the run as it suspends it). */
  readonly wait: RunWait;

  /** Internal: thrown by the run's wait operations, with code PAUSED and `details` `{ runId, waitingFor, until }`. */
  constructor(runId: number, wait: RunWait) {
    super("PAUSED", `Workflow run ${runId} is waiting (${describeWait(wait.waitingFor)}); its worker suspends it`, {
      details: { runId, waitingFor: wait.waitingFor, until: wait.until },
    });
    this.name = "RunWaitSignal";
    this.wait = wait;
  }
}

/** True for the signal of a wait. */
export function isRunWaitSignal(err: unknown): err is RunWaitSignal {
  return err instanceof RunWaitSignal;
}

/** A wait in words, for messages and displays. */
export function describeWait(w: RunWaitingFor): string {
  const until = w.until === undefined ? "" : ` until ${w.until.toISOString()}`;
  switch (w.kind) {
    case "sleep":
      return `sleeping${until}`;
    case "message":
      return `waiting for message "${w.topic ?? ""}"${until}`;
    case "event":
      return `waiting for an event${until}`;
    case "child":
      return `waiting for child run ${w.childRunId ?? "?"}`;
    case "retry":
      return `retry scheduled${until === "" ? "" : ` at${until.slice(6)}`}`;
    default:
      return `paused${until}`;
  }
}

/**
 * The waits one execution of a run asked for, merged: the earliest deadline, every wake condition, and the first
 * wait's description (the one the workflow reached first).
 */
export function mergeWaits(waits: readonly RunWait[]): RunWait | undefined {
  const [first, ...rest] = waits;
  if (first === undefined) return undefined;
  let until = first.until;
  const wakeIf = [...first.wakeIf];
  for (const w of rest) {
    if (w.until.getTime() < until.getTime()) until = w.until;
    wakeIf.push(...w.wakeIf);
  }
  return { waitingFor: first.waitingFor, until, wakeIf };
}

/** The stored form of a wait description (JSON text; `until` as an ISO string). */
export function waitingForJson(w: RunWaitingFor): string {
  return JSON.stringify({ ...w, until: w.until?.toISOString() });
}
