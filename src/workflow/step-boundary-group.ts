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
 * The mechanism (lone boundary at once, waiting, one turn between statements, settling after the commit, the
 * one-by-one retry) is store/group-commit.ts's; a shared statement's runs are answered one per turn of the event
 * loop (`answerOnePerTurn`).
 */
import { isPgqrsError } from "../errors.js";
import { GroupCommit, type GroupMember } from "../store/group-commit.js";
import type { StoreBackend } from "../store/store.js";
import type { StepBoundary, StepBoundaryResult } from "../store/workflow-store.js";
import type { EngineContext } from "../workers/engine-context.js";

/** At most this many boundaries per statement; the rest wait for the next one. */
export const MAX_BOUNDARIES_PER_FLUSH = 256;

/** A waiting boundary: its run's id and the boundary. */
type Member = GroupMember<number, StepBoundary, StepBoundaryResult>;

/** The backend calls a group makes: `stepBoundaries` and the single statements it stands for. */
export interface GroupBackend {
  stepBoundaries(boundaries: readonly StepBoundary[]): Promise<StepBoundaryResult[]>;
  completeStepThenAcquire: NonNullable<StoreBackend["completeStepThenAcquire"]>;
  completeStepThenRunAndArchive: NonNullable<StoreBackend["completeStepThenRunAndArchive"]>;
  acquireStepOfRun: StoreBackend["acquireStepOfRun"];
  completeRunAndArchive: StoreBackend["completeRunAndArchive"];
}

/** One store's group commit of step boundaries (see the module comment); see {@link stepBoundaryGroup}. */
export class StepBoundaryGroup {
  readonly #commit: GroupCommit<number, StepBoundary, StepBoundaryResult>;

  constructor(backend: GroupBackend) {
    this.#commit = new GroupCommit({
      // Nothing in flight (or a member retried alone): the boundary's own statement, exactly as without a group.
      one: (_runId, boundary) => singleBoundary(backend, boundary),
      many: (batch) => backend.stepBoundaries(batch.map((m) => m.second)),
      take: takeOnePerRun,
      failsAll: (err) => isPgqrsError(err, "CONNECTION_FAILED") || isPgqrsError(err, "STORE_CLOSED"),
      // A run's continuation is its next step and user code: I/O that arrives meanwhile (a trigger's insert coming
      // back in the process that drives these runs) is handled between two runs, not after all of them. Measured
      // with bench/run.mjs --only workflow: 3-step runs/s +9 % beside a trigger loop in the same process.
      answerOnePerTurn: true,
    });
  }

  /** Write `boundary` of run `runId` with whatever else is waiting; resolves once its statement has committed. */
  add(runId: number, boundary: StepBoundary): Promise<StepBoundaryResult> {
    return this.#commit.add(runId, boundary);
  }
}

/**
 * The next statement's members: the oldest waiting, one per run, within the cap (at least one). A run's other
 * boundaries (its parallel steps) stay waiting, in order, for the next statements.
 */
function takeOnePerRun(pending: Member[]): Member[] {
  const runs = new Set<number>();
  const batch: Member[] = [];
  let kept = 0;
  for (const m of pending) {
    if (batch.length < MAX_BOUNDARIES_PER_FLUSH && !runs.has(m.first)) {
      runs.add(m.first);
      batch.push(m);
    } else {
      pending[kept] = m;
      kept += 1;
    }
  }
  pending.length = kept;
  return batch;
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
