/**
 * `Run`: the handle of one workflow run, the surface workflow code calls. Its row, engine and clock are in its base
 * `RunState` (run-state.ts); it holds the deferred step writes. The work is done in the modules it delegates to:
 * status transitions and the finish in `run-transitions.ts`, step acquisition in `run-step-acquisition.ts`, durable operations (sleep,
 * messages, events, children) in their `run-*.ts` modules.
 */
import type { RunRecord, StepRecord } from "../types.js";
import type { EngineContext } from "../workers/engine-context.js";
import type { WorkflowDefinition } from "./definition.js";
import { DeferredStepWrites, writeStepSuccess } from "./deferred-step-writes.js";
import { type RetryOption, resolveRetryPolicy, type StepRetryPolicy } from "./retry-policy.js";
import { RunActivity } from "./run-activity.js";
import { type ChildRunHandle, callChild, type StartChildOptions, startChild } from "./run-children.js";
import { setEvent } from "./run-events.js";
import { type RecvOptions, recvInRun, sendFromRun } from "./run-messages.js";
import { sleepFor, sleepUntil } from "./run-sleep.js";
import { acquireRunStep, completeRunStep, failRunStep, type StepResult } from "./run-step-acquisition.js";
import {
  cancelRun,
  completeRun,
  failRun,
  finishRunAndArchive,
  pauseRun,
  pauseRunFor,
  refreshRun,
  startRun,
  transitionRun,
} from "./run-transitions.js";
import { noteOfStepRetry, type StepRetryNotes } from "./step-retry-notes.js";
import { RunState } from "./run-state.js";
import { type WorkflowStepOptions, workflowStep } from "./workflow-step.js";

export type { StepResult } from "./run-step-acquisition.js";

/**
 * One workflow run (the row keyed by its trigger message) and the operations on it. Terminal states (SUCCESS,
 * ERROR, CANCELLED) are final: completing, failing or pausing a terminal run raises INVALID_STATE_TRANSITION, and
 * starting one raises VALIDATION_FAILED, as in pgqrs. {@link Run.acquireStep} checks only cancellation (CANCELLED
 * for a CANCELLING or CANCELLED run), as pgqrs's `acquire_step` does: on a SUCCESS or ERROR run a finished step
 * replays and a new one is acquired, which changes nothing about the run.
 */
export class Run extends RunState {
  /** Retry policy used by steps of this run unless a step names its own (fixed when the handle is made). */
  readonly retryPolicy: StepRetryPolicy;

  /**
   * The delivery of the run's message this handle acts for (consumer id and read count): the owner its step
   * acquisitions record. A step this delivery left RUNNING is taken over under a token of its own, derived from it.
   */
  readonly attemptOwner: string;

  /**
   * Whether `workflowStep` may defer a step's output to the run's next write. Only runs driven by a workflow
   * worker do: the worker owns everything that follows the workflow code, while the caller of a run handle may
   * read the step table right after a step returns.
   */
  defersStepWrites = false;
  /** @internal The workflow's name when a worker drives the run (for events and spans); `null` otherwise. */
  workflowName: string | null = null;
  /** Step successes `workflowStep` returned but has not written yet: they ride on this run's next write. */
  readonly #writes = new DeferredStepWrites((pending) => writeStepSuccess(this, pending));
  /** @internal The durable operations of this execution in flight, and the waits they asked for. */
  readonly activity = new RunActivity();

  /** Errors steps of this execution threw with a retry scheduled, and when the retry is due. */
  readonly #stepRetries: StepRetryNotes = new Map<unknown, Date>();

  /**
   * Internal: runs are built by the engine for each trigger message; `retryPolicy` is the steps' default retry,
   * `attemptOwner` names this delivery (default `run:<id>`).
   */
  constructor(ctx: EngineContext, record: RunRecord, retryPolicy?: RetryOption, attemptOwner?: string) {
    super(ctx, record);
    this.attemptOwner = attemptOwner ?? `run:${record.id}`;
    this.retryPolicy = resolveRetryPolicy(retryPolicy);
  }

  /**
   * Run `fn` as durable step `name` (the same as `workflowStep(run, name, fn, opts)`): a step that already
   * succeeded returns its stored output without calling `fn`.
   */
  step<T>(name: string, fn: () => Promise<T> | T, options?: WorkflowStepOptions): Promise<T> {
    return workflowStep(this, name, fn, options);
  }

  /**
   * Sleep `ms` milliseconds (0 to 100 years) from the first time the run reaches `name`. The run is PAUSED
   * meanwhile, holding no worker slot, lease or connection; once woken, a replay does not sleep again.
   */
  sleep(name: string, ms: number): Promise<void> {
    return sleepFor(this, name, ms);
  }

  /** Sleep until `until` (a Date from 1970 to 9999); a time in the past returns at once. See {@link sleep}. */
  sleepUntil(name: string, until: Date): Promise<void> {
    return sleepUntil(this, name, until);
  }

  /** Send `payload` on `topic` to run `runId`, once per `name` however often this run is replayed. */
  send(name: string, runId: number, topic: string, payload: unknown): Promise<void> {
    return sendFromRun(this, name, runId, topic, payload);
  }

  /**
   * The payload of the oldest message on `topic` sent to this run and not received yet, waiting (PAUSED, no slot
   * held) until one arrives; `null` once `timeoutMs` (counted from the first time the run reaches `name`) has
   * passed. Without `timeoutMs` it waits indefinitely. A replay returns the same payload for the same name.
   */
  recv<T = unknown>(name: string, topic: string, options?: RecvOptions): Promise<T | null> {
    return recvInRun<T>(this, name, topic, options);
  }

  /** Set this run's event `key` to `value` (any JSON value); the last write wins. Read it with `getEvent`. */
  setEvent(key: string, value: unknown): Promise<void> {
    return setEvent(this, key, value);
  }

  /**
   * Start `definition` with `input` as a child run, once per `name`; its `result()` waits for it durably.
   * Cancelling this run cancels its unfinished children.
   */
  startChild<I, O>(
    name: string,
    definition: WorkflowDefinition<I, O> | string,
    input: I,
    options?: StartChildOptions,
  ): Promise<ChildRunHandle<O>> {
    return startChild(this, name, definition, input, options);
  }

  /** `startChild` then `result()`: the child's output, or CHILD_FAILED. */
  callChild<I, O>(name: string, definition: WorkflowDefinition<I, O> | string, input: I): Promise<O> {
    return callChild(this, name, definition, input);
  }

  /** Re-read the row. */
  refresh(): Promise<this> {
    return refreshRun(this, this.#writes);
  }

  /**
   * QUEUED|PAUSED → RUNNING; RUNNING stays. VALIDATION_FAILED ("Run <id> is in terminal <STATUS> state") from
   * SUCCESS, ERROR, CANCELLING and CANCELLED, as pgqrs's `start` (the writes complete/fail/pause raise
   * INVALID_STATE_TRANSITION instead).
   */
  start(): Promise<this> {
    return startRun(this, this.#writes);
  }

  /** → SUCCESS with `output`. */
  complete(output: unknown): Promise<this> {
    return completeRun(this, this.#writes, output);
  }

  /**
   * @internal → SUCCESS with `output` (or ERROR with `error` when `output` is not given) and archive the run's
   * trigger message for its consumer, in one transaction. Resolves with whether the message was archived (false
   * when the consumer no longer holds it). INVALID_STATE_TRANSITION when the run is already terminal.
   */
  finishAndArchive(
    outcome: { output: unknown } | { error: unknown },
    message: { id: number; consumerWorkerId: number | null },
  ): Promise<boolean> {
    return finishRunAndArchive(this, this.#writes, outcome, message);
  }

  /** Alias of {@link complete}. */
  async success(output: unknown): Promise<this> {
    return this.complete(output);
  }

  /** → ERROR with `error` (any value; stored as JSON). */
  fail(error: unknown): Promise<this> {
    return failRun(this, this.#writes, error);
  }

  /**
   * RUNNING|QUEUED → PAUSED until `resumeAfterMs` from now; `error` records `{ message, resume_after }` (seconds).
   * VALIDATION_FAILED, with nothing written, unless `resumeAfterMs` is a finite number >= 0.
   */
  pause(message: string, resumeAfterMs: number): Promise<this> {
    return pauseRun(this, this.#writes, message, resumeAfterMs);
  }

  /** @internal → PAUSED with `waitingFor` (JSON text of a `RunWaitingFor`), for a run no consumer holds. */
  pauseFor(waitingFor: string): Promise<this> {
    return pauseRunFor(this, this.#writes, waitingFor);
  }

  /**
   * Request cancellation: QUEUED|RUNNING|PAUSED → CANCELLING; it becomes CANCELLED at the next step boundary or
   * when a worker picks the run up. CANCELLING stays; terminal states raise INVALID_STATE_TRANSITION.
   */
  cancel(): Promise<this> {
    return cancelRun(this, this.#writes);
  }

  /** @internal CANCELLING → CANCELLED. */
  async finalizeCancel(): Promise<void> {
    await transitionRun(this, this.#writes, ["CANCELLING"], "CANCELLED", {});
  }

  /**
   * Acquire step `name`: `SKIPPED` with the stored output when it already succeeded; `EXECUTE` with a guard
   * otherwise, also for a step left RUNNING (by a crashed attempt, or by this handle asking again: it is reset to
   * RUNNING with a new `startedAt`, and the earlier attempt's writes are refused with CONFLICT). CANCELLED when the
   * run was cancelled (a pending cancellation is finalised here), STEP_NOT_READY while a retry is scheduled,
   * RETRIES_EXHAUSTED when it failed for good, CONFLICT when a concurrent acquisition of this delivery won the step.
   */
  acquireStep<T = unknown>(
    name: string,
    options: { currentTime?: Date | undefined; retry?: RetryOption } = {},
  ): Promise<StepResult<T>> {
    return acquireRunStep<T>(this, this.#writes, name, options);
  }

  /** @internal A step threw `err` and its retry is due at `retryAt`: see {@link stepRetryOf}. */
  noteStepRetry(err: unknown, retryAt: Date): void {
    this.#stepRetries.set(err, retryAt);
  }

  /**
   * @internal When the step that threw `err` (or an error in its `cause` chain: workflow code may wrap it) is
   * retried; `undefined` when `err` is not a step error with a retry scheduled.
   */
  stepRetryOf(err: unknown): Date | undefined {
    return noteOfStepRetry(this.#stepRetries, err);
  }

  /** Record step `name` as SUCCESS with `output` (acquiring it first); a finished step's output is replaced. */
  completeStep(name: string, output: unknown): Promise<StepRecord> {
    return completeRunStep(this, name, output);
  }

  /**
   * Acquire step `name` and record `error` as {@link StepGuard.failWithJson} does (an `is_transient: true` error
   * schedules a retry; anything else fails the step for good). A step that already succeeded is left as it is.
   */
  failStep(name: string, error: unknown, options: { currentTime?: Date } = {}): Promise<StepRecord> {
    return failRunStep(this, name, error, options);
  }

  /**
   * @internal Record step `stepName` as SUCCESS with `output` (JSON text) on this run's next write, which then
   * carries it in the same statement (the next step's acquisition, or the run's outcome). If nothing follows within
   * the current turn of the event loop, it is written on its own, so a step's output never waits on workflow code
   * that awaits something else between steps.
   */
  deferStepSuccess(stepName: string, output: string, owner: string): void {
    this.#writes.defer({ stepName, output, owner });
  }

  /** @internal Write a deferred step success now (before the run's message is released or left alone). */
  async flushDeferred(): Promise<void> {
    await this.#writes.settle();
  }

  /** The run's steps in creation order. */
  async steps(): Promise<StepRecord[]> {
    this.context.assertOpen();
    await this.#writes.settle();
    return this.context.backend.listSteps({ runId: this.id });
  }
}
