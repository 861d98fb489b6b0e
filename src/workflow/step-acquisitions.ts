import type { EngineContext } from "../workers/engine-context.js";

/**
 * One acquisition of a step by this process, as seen by the others of the same step.
 *
 * The store's acquiring statement takes over a RUNNING step only from another delivery of the run's message; a
 * step RUNNING under the acquirer's own delivery is left alone, so that of two acquisitions racing for a
 * retry-ready step exactly one gets EXECUTE. Yet a step RUNNING under one's own delivery
 * is usually not a race: it is the same handle asking again, or a handle whose holder crashed or gave up (a
 * never-dequeued trigger's handles all share one delivery, and so does a redelivery after a refunded release), and
 * pgqrs resets it to RUNNING and executes it again. What tells the two apart is timing within
 * this process: an acquisition lost the race when another acquisition of the same step won it after this one
 * began, or is still in flight (its outcome is not known yet, and it may have won).
 */
export interface StepAcquisition {
  /** Whether another acquisition of the step won it since this one began, or may have (still in flight). */
  lostRace(): boolean;
  /** This acquisition won the step; call before writing a takeover, so that concurrent ones see it. */
  won(): void;
  /** This acquisition is over (call once, also when it failed). */
  end(): void;
}

interface StepEntry {
  inFlight: number;
  /** Tick of the last win, 0 for none. */
  lastWin: number;
}

// Per store (engine context), so two stores in one process never see each other's acquisitions. An entry lives
// while an acquisition of its step is in flight: a win matters only to acquisitions that overlap it.
const registries = new WeakMap<EngineContext, Map<string, StepEntry>>();
let tick = 0;

/** Start an acquisition of step `stepName` of run `runId`. */
export function beginStepAcquisition(ctx: EngineContext, runId: number, stepName: string): StepAcquisition {
  let steps = registries.get(ctx);
  if (steps === undefined) {
    steps = new Map();
    registries.set(ctx, steps);
  }
  const registry = steps;
  const key = `${runId}:${stepName}`;
  const entry = registry.get(key) ?? { inFlight: 0, lastWin: 0 };
  registry.set(key, entry);
  entry.inFlight += 1;
  tick += 1;
  const began = tick;
  let ended = false;
  return {
    lostRace: () => entry.lastWin > began || entry.inFlight > 1,
    won: () => {
      tick += 1;
      entry.lastWin = tick;
    },
    end: () => {
      if (ended) return;
      ended = true;
      entry.inFlight -= 1;
      if (entry.inFlight === 0) registry.delete(key);
    },
  };
}
