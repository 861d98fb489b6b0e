/**
 * `RunState`: what a workflow run handle knows of its run (its row, the engine it belongs to, and the time its
 * steps use), apart from the operations on the run, which `Run` (run.ts) adds.
 */
import type { Clock } from "../clock.js";
import type { RunRecord, WorkflowStatus } from "../types.js";
import { assertDate } from "../validation/time-arguments.js";
import type { EngineContext } from "../workers/engine-context.js";
import { triggerInput, triggerScheduledAt } from "./trigger-payload.js";

/** A run's row, engine and clock; see {@link Run} for the operations. */
export class RunState {
  readonly #ctx: EngineContext;
  #record: RunRecord;
  #clock: Clock | undefined;

  /** A handle of the run whose row is `record`, in the engine `ctx`. */
  constructor(ctx: EngineContext, record: RunRecord) {
    this.#ctx = ctx;
    this.#record = record;
  }

  /** The run's id (`RunRecord.id`). */
  get id(): number {
    return this.#record.id;
  }

  /** The run row as last read or written by this handle. */
  get record(): RunRecord {
    return this.#record;
  }

  /** The run's status as last read or written by this handle (see `WorkflowStatus`). */
  get status(): WorkflowStatus {
    return this.#record.status;
  }

  /** The trigger payload's `input`. */
  get input(): unknown {
    return triggerInput(this.#record.input);
  }

  /**
   * The tick a schedule triggered this run for (its trigger payload's `scheduledAt`: the tick time, or the time of
   * `admin(store).triggerSchedule`), or `null` for a run no schedule triggered.
   */
  get scheduledAt(): Date | null {
    return triggerScheduledAt(this.#record.input);
  }

  /** The pinned time steps use, if any (`undefined`: the store's clock). */
  get currentTime(): Date | undefined {
    return this.#clock?.now();
  }

  /**
   * Pin this run's "now" (tests, deterministic retries), a Date in 1970-9999; `undefined` returns to the store's
   * clock.
   */
  withTime(at: Date | undefined): this {
    if (at !== undefined) assertDate("at", at);
    this.#clock = at === undefined ? undefined : { now: () => new Date(at.getTime()) };
    return this;
  }

  /** @internal */
  get context(): EngineContext {
    return this.#ctx;
  }

  /** The run's current time: the store's clock, or the instant pinned with `withTime` when one is set. */
  now(): Date {
    return (this.#clock ?? this.#ctx.clock).now();
  }

  /** The run that started this one with `startChild`, or `null`. */
  get parentRunId(): number | null {
    return this.#record.parentRunId;
  }

  /** @internal Take `row`, which a write of this run returned, as its record. */
  adoptRecord(row: RunRecord): void {
    this.#record = row;
  }
}
