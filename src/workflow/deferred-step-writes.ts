/**
 * A run's step success not written yet. In a worker, the output of a step is stored with the run's next write (the
 * next step's acquisition or the run's outcome), one round trip fewer per step; if nothing follows within the
 * current turn of the event loop, it is written on its own, so a step's output never waits on workflow code that
 * awaits something else between steps.
 */
import type { EngineContext } from "../workers/engine-context.js";

/** A step success not written yet, with the owner token of the attempt that ran the step (its write is fenced). */
export interface DeferredSuccess {
  stepName: string;
  output: string;
  owner: string;
}

export class DeferredStepWrites {
  readonly #write: (pending: DeferredSuccess) => Promise<void>;
  #deferred: DeferredSuccess | undefined;
  /** A deferred success being written on its own (nothing followed it soon enough). */
  #flushing: Promise<void> | undefined;
  #flushError: unknown;

  /** `write` stores one success on its own. */
  constructor(write: (pending: DeferredSuccess) => Promise<void>) {
    this.#write = write;
  }

  /** Hold `pending` for the next write; an earlier one still held is written on its own. */
  defer(pending: DeferredSuccess): void {
    if (this.#deferred !== undefined) this.#startFlush();
    this.#deferred = pending;
    setImmediate(() => {
      if (this.#deferred !== undefined) this.#startFlush();
    });
  }

  /** Wait for a write in flight and rethrow its failure; write a held one. */
  async settle(): Promise<void> {
    if (this.#deferred !== undefined) this.#startFlush();
    if (this.#flushing !== undefined) await this.#flushing;
    if (this.#flushError !== undefined) {
      const err = this.#flushError;
      this.#flushError = undefined;
      throw err;
    }
  }

  /**
   * The held success to combine with the next write, once earlier writes have settled. A success of the step
   * about to be acquired (a reused name) is written first instead: one statement cannot change that row twice.
   */
  async take(nextStep?: string): Promise<DeferredSuccess | undefined> {
    if (this.#deferred !== undefined && this.#deferred.stepName === nextStep) this.#startFlush();
    if (this.#flushing !== undefined || this.#flushError !== undefined) await this.settle();
    const pending = this.#deferred;
    this.#deferred = undefined;
    return pending;
  }

  #startFlush(): void {
    const pending = this.#deferred;
    if (pending === undefined) return;
    this.#deferred = undefined;
    const previous = this.#flushing ?? Promise.resolve();
    const flushing: Promise<void> = previous
      .then(() => this.#write(pending))
      .then(
        () => undefined,
        (err: unknown) => {
          this.#flushError ??= err;
        },
      )
      .finally(() => {
        if (this.#flushing === flushing) this.#flushing = undefined;
      });
    this.#flushing = flushing;
  }
}

/** What writing a success on its own needs of its run. */
export interface StepSuccessWriter {
  readonly id: number;
  readonly context: EngineContext;
  now(): Date;
}

/** Write `pending` on its own (not carried by the run's next write), fenced with its owner token. */
export async function writeStepSuccess(run: StepSuccessWriter, pending: DeferredSuccess): Promise<void> {
  await run.context.backend.completeStep({ runId: run.id, now: run.now(), ...pending });
}
