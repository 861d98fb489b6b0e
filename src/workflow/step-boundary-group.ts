/**
 * Group commit of a store's workflow step boundaries: the step outputs, next-step acquisitions and run outcomes of
 * the runs a worker drives at once ride one statement and one durable commit (`stepBoundaries`), where each run
 * alone would pay a round trip and a commit of its own.
 *
 * What each run still gets of its own:
 * - its durability: a boundary's promise settles only when the statement that holds it has returned, i.e. after its
 *   commit, so a run never proceeds past a step whose output is not durable;
 * - its answer: every boundary is decided as its single statement decides it (fencing by owner, the run's status,
 *   the archive's owner check), and only rows of its own run are touched by it;
 * - its error: when the database refuses the shared statement (an output it cannot store, a deadlock with another
 *   process, …), the boundaries are written one by one and each gets the answer its own statement gets. A connection
 *   failure or a closed store fails every member with that error, the answer each would have had alone.
 *
 * No timers: a boundary that finds nothing in flight is written at once, alone, with the single statement; those
 * arriving meanwhile wait for the next statement. At most one boundary per run goes in a statement (a run's parallel
 * steps take the next ones), and a finish of a run with a parent never joins (its single statement wakes the parent).
 */
import { isPgqrsError } from "../errors.js";
import type { StoreBackend } from "../store/store.js";
import type { StepBoundary, StepBoundaryResult } from "../store/workflow-store.js";
import type { EngineContext } from "../workers/engine-context.js";

/** At most this many boundaries per statement; the rest wait for the next one. */
export const MAX_BOUNDARIES_PER_FLUSH = 256;

interface Member {
  readonly runId: number;
  readonly boundary: StepBoundary;
  resolve(result: StepBoundaryResult): void;
  reject(err: unknown): void;
}

/** The backend calls a group makes: `stepBoundaries` and the single statements it stands for. */
export interface GroupBackend {
  stepBoundaries(boundaries: readonly StepBoundary[]): Promise<StepBoundaryResult[]>;
  completeStepThenAcquire: NonNullable<StoreBackend["completeStepThenAcquire"]>;
  completeStepThenRunAndArchive: NonNullable<StoreBackend["completeStepThenRunAndArchive"]>;
  acquireStepOfRun: StoreBackend["acquireStepOfRun"];
  completeRunAndArchive: StoreBackend["completeRunAndArchive"];
}

export class StepBoundaryGroup {
  readonly #backend: GroupBackend;
  #pending: Member[] = [];
  #busy = false;

  constructor(backend: GroupBackend) {
    this.#backend = backend;
  }

  /** Write `boundary` of run `runId` with whatever else is waiting; resolves once its statement has committed. */
  add(runId: number, boundary: StepBoundary): Promise<StepBoundaryResult> {
    return new Promise<StepBoundaryResult>((resolve, reject) => {
      this.#pending.push({ runId, boundary, resolve, reject });
      if (!this.#busy) this.#drain().catch(reject);
    });
  }

  async #drain(): Promise<void> {
    this.#busy = true;
    try {
      while (this.#pending.length > 0) {
        const batch = this.#take();
        await this.#flush(batch);
        // The runs just answered run their next step at once: let them join the next statement.
        if (this.#pending.length > 0 || batch.length > 1) await nextTurn();
      }
    } finally {
      this.#busy = false;
    }
  }

  /** The next statement's members: the oldest waiting, one per run, within the cap (at least one). */
  #take(): Member[] {
    const runs = new Set<number>();
    const batch: Member[] = [];
    const rest: Member[] = [];
    for (const m of this.#pending) {
      if (batch.length < MAX_BOUNDARIES_PER_FLUSH && !runs.has(m.runId)) {
        runs.add(m.runId);
        batch.push(m);
      } else {
        rest.push(m);
      }
    }
    this.#pending = rest;
    return batch;
  }

  async #flush(batch: readonly Member[]): Promise<void> {
    const [first] = batch;
    if (batch.length === 1 && first !== undefined) return this.#alone(first);
    let results: StepBoundaryResult[];
    try {
      results = await this.#backend.stepBoundaries(batch.map((m) => m.boundary));
    } catch (err) {
      if (isPgqrsError(err, "CONNECTION_FAILED") || isPgqrsError(err, "STORE_CLOSED")) {
        for (const m of batch) m.reject(err);
        return;
      }
      // Refused as a whole, nothing written: each boundary alone gets its own answer.
      for (const m of batch) await this.#alone(m);
      return;
    }
    batch.forEach((m, i) => {
      m.resolve(results[i] as StepBoundaryResult);
    });
  }

  /** One boundary's own statement, exactly as without a group. */
  async #alone(m: Member): Promise<void> {
    try {
      m.resolve(await singleBoundary(this.#backend, m.boundary));
    } catch (err) {
      m.reject(err);
    }
  }
}

async function singleBoundary(backend: GroupBackend, b: StepBoundary): Promise<StepBoundaryResult> {
  if (b.kind === "acquire") {
    if (b.complete === undefined)
      return { kind: "acquire", completed: true, ...(await backend.acquireStepOfRun(b.acquire)) };
    const r = await backend.completeStepThenAcquire({ complete: b.complete, acquire: b.acquire });
    return { kind: "acquire", ...r };
  }
  if (b.complete === undefined)
    return { kind: "finish", completed: true, ...(await backend.completeRunAndArchive(b.run)) };
  const r = await backend.completeStepThenRunAndArchive({ complete: b.complete, run: b.run });
  return { kind: "finish", ...r };
}

const groups = new WeakMap<EngineContext, StepBoundaryGroup>();

/** The store's group, or `undefined` when its backend writes boundaries one by one only. */
export function stepBoundaryGroup(ctx: EngineContext): StepBoundaryGroup | undefined {
  const existing = groups.get(ctx);
  if (existing !== undefined) return existing;
  if (groupBackend(ctx) === undefined) return undefined;
  // Each call goes through the context's current backend.
  const current = (): GroupBackend => {
    const backend = groupBackend(ctx);
    if (backend === undefined) throw new Error("the store's backend no longer groups step boundaries");
    return backend;
  };
  const group = new StepBoundaryGroup({
    stepBoundaries: (x) => current().stepBoundaries(x),
    completeStepThenAcquire: (p) => current().completeStepThenAcquire(p),
    completeStepThenRunAndArchive: (p) => current().completeStepThenRunAndArchive(p),
    acquireStepOfRun: (p) => current().acquireStepOfRun(p),
    completeRunAndArchive: (p) => current().completeRunAndArchive(p),
  });
  groups.set(ctx, group);
  return group;
}

function groupBackend(ctx: EngineContext): GroupBackend | undefined {
  const b = ctx.backend;
  const { stepBoundaries, completeStepThenAcquire, completeStepThenRunAndArchive } = b;
  if (
    stepBoundaries === undefined ||
    completeStepThenAcquire === undefined ||
    completeStepThenRunAndArchive === undefined
  ) {
    return undefined;
  }
  return {
    stepBoundaries: stepBoundaries.bind(b),
    completeStepThenAcquire: completeStepThenAcquire.bind(b),
    completeStepThenRunAndArchive: completeStepThenRunAndArchive.bind(b),
    acquireStepOfRun: b.acquireStepOfRun.bind(b),
    completeRunAndArchive: b.completeRunAndArchive.bind(b),
  };
}

/** One turn of the event loop: every continuation already queued (runs just answered) runs first. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
