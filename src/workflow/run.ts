import { randomUUID } from "node:crypto";
import type { Clock } from "../clock.js";
import { InvalidStateTransitionError, PgqrsError, ValidationError } from "../errors.js";
import { serializePayload } from "../queue/payload-validation.js";
import type { RunRecord, StepRecord, WorkflowStatus } from "../types.js";
import { assertDate } from "../validation/time-arguments.js";
import type { EngineContext } from "../workers/engine-context.js";
import { type RetryOption, resolveRetryPolicy, type StepRetryPolicy } from "./retry-policy.js";
import type { ChildRunHandle, StartChildOptions } from "./run-children.js";
import { callChild, startChild } from "./run-children.js";
import { setEvent } from "./run-events.js";
import { type RecvOptions, recvInRun, sendFromRun } from "./run-messages.js";
import { RunActivity } from "./run-activity.js";
import { sleepFor, sleepUntil } from "./run-sleep.js";
import { waitingForJson } from "./run-waits.js";
import type { WorkflowDefinition } from "./definition.js";
import { type WorkflowStepOptions, workflowStep } from "./workflow-step.js";
import { type DeferredSuccess, DeferredStepWrites } from "./deferred-step-writes.js";
import { beginStepAcquisition } from "./step-acquisitions.js";
import { stepBoundaryGroup } from "./step-boundary-group.js";
import { stepNoLongerHeld, stepRaceConflict, unavailableStepError } from "./step-errors.js";
import { StepGuard } from "./step-guard.js";
import { assertDelayMs, cancelledError, toJsonText } from "./workflow-errors.js";

/** What `acquireStep` found: run the step (`EXECUTE`, with a guard to record its outcome) or replay it. */
export type StepResult<T = unknown> =
  | { status: "EXECUTE"; value: null; guard: StepGuard; step: StepRecord }
  | { status: "SKIPPED"; value: T; guard: null; step: StepRecord };

const NOT_TERMINAL: readonly WorkflowStatus[] = ["QUEUED", "RUNNING", "PAUSED", "CANCELLING"];

/** What the acquiring statement found. */
type AcquiredStep = Awaited<ReturnType<EngineContext["backend"]["acquireStepOfRun"]>>;

/**
 * One workflow run (the row keyed by its trigger message) and the operations on it. Terminal states (SUCCESS,
 * ERROR, CANCELLED) are final: writes to a terminal run raise INVALID_STATE_TRANSITION (DECISIONS.md item 9), and
 * starting one raises VALIDATION_FAILED (reference §1.10.5).
 */
export class Run {
  readonly #ctx: EngineContext;
  #record: RunRecord;
  #clock: Clock | undefined;
  /** Retry policy used by steps of this run unless a step names its own. */
  retryPolicy: StepRetryPolicy;

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
  readonly #writes = new DeferredStepWrites((pending) => this.#writeStepSuccess(pending));
  /** @internal The durable operations of this execution in flight, and the waits they asked for. */
  readonly activity = new RunActivity();

  /** Errors steps of this execution threw with a retry scheduled, and when the retry is due. */
  readonly #stepRetries = new Map<unknown, Date>();

  constructor(ctx: EngineContext, record: RunRecord, retryPolicy?: RetryOption, attemptOwner?: string) {
    this.#ctx = ctx;
    this.#record = record;
    this.attemptOwner = attemptOwner ?? `run:${record.id}`;
    this.retryPolicy = resolveRetryPolicy(retryPolicy);
  }

  get id(): number {
    return this.#record.id;
  }

  get record(): RunRecord {
    return this.#record;
  }

  get status(): WorkflowStatus {
    return this.#record.status;
  }

  /** The trigger payload's `input`. */
  get input(): unknown {
    const payload = this.#record.input;
    if (payload !== null && typeof payload === "object" && !Array.isArray(payload) && "input" in payload) {
      return (payload as { input: unknown }).input;
    }
    return payload;
  }

  /**
   * The tick a schedule triggered this run for (its trigger payload's `scheduledAt`: the tick time, or the time of
   * `admin(store).triggerSchedule`), or `null` for a run no schedule triggered.
   */
  get scheduledAt(): Date | null {
    const payload = this.#record.input;
    if (payload === null || typeof payload !== "object" || Array.isArray(payload)) return null;
    const at = (payload as { scheduledAt?: unknown }).scheduledAt;
    const ms = typeof at === "string" ? Date.parse(at) : Number.NaN;
    return Number.isNaN(ms) ? null : new Date(ms);
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

  now(): Date {
    return (this.#clock ?? this.#ctx.clock).now();
  }

  /** The run that started this one with `startChild`, or `null`. */
  get parentRunId(): number | null {
    return this.#record.parentRunId;
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
  async refresh(): Promise<this> {
    this.#ctx.assertOpen();
    await this.#writes.settle();
    const row = await this.#ctx.backend.getRun(this.id);
    if (row === null) throw new PgqrsError("RUN_NOT_FOUND", `RunRecord with id '${this.id}' not found`);
    this.#record = row;
    return this;
  }

  /**
   * QUEUED|PAUSED → RUNNING; RUNNING stays. VALIDATION_FAILED ("Run <id> is in terminal <STATUS> state") from
   * SUCCESS, ERROR, CANCELLING and CANCELLED, as pgqrs's `start` (DECISIONS.md item 9 covers only the writes
   * complete/fail/pause, which raise INVALID_STATE_TRANSITION).
   */
  async start(): Promise<this> {
    const row = await this.#transition(["QUEUED", "PAUSED"], "RUNNING", {});
    if (row !== null) return this;
    if (this.#record.status === "RUNNING") return this;
    throw new ValidationError(`Run ${this.id} is in terminal ${this.#record.status} state`, {
      runId: this.id,
      status: this.#record.status,
    });
  }

  /** → SUCCESS with `output`. */
  async complete(output: unknown): Promise<this> {
    const json = output === undefined ? "null" : serializePayload(output, this.#ctx.config.validationConfig);
    await this.#guarded(NOT_TERMINAL, "SUCCESS", { output: json });
    return this;
  }

  /**
   * @internal → SUCCESS with `output` (or ERROR with `error` when `output` is not given) and archive the run's
   * trigger message for its consumer, in one transaction. Resolves with whether the message was archived (false
   * when the consumer no longer holds it). INVALID_STATE_TRANSITION when the run is already terminal.
   */
  async finishAndArchive(
    outcome: { output: unknown } | { error: unknown },
    message: { id: number; consumerWorkerId: number | null },
  ): Promise<boolean> {
    this.#ctx.assertOpen();
    const fields =
      "output" in outcome
        ? {
            to: "SUCCESS" as const,
            output:
              outcome.output === undefined
                ? "null"
                : serializePayload(outcome.output, this.#ctx.config.validationConfig),
          }
        : { to: "ERROR" as const, error: toJsonText(outcome.error) };
    if (message.consumerWorkerId === null) {
      await this.#guarded(NOT_TERMINAL, fields.to, fields);
      return false;
    }
    const { to, ...values } = fields;
    const params = {
      id: this.id,
      from: NOT_TERMINAL,
      to,
      now: this.now(),
      ...values,
      messageId: message.id,
      workerId: message.consumerWorkerId,
    };
    const backend = this.#ctx.backend;
    const pending = await this.#writes.take();
    let result: { run: RunRecord | null; archived: boolean };
    // A worker's runs share statements (group commit), except a child's finish, whose statement wakes its parent.
    const group = this.defersStepWrites && this.parentRunId === null ? stepBoundaryGroup(this.#ctx) : undefined;
    if (group !== undefined) {
      const complete = pending === undefined ? {} : { complete: { runId: this.id, now: params.now, ...pending } };
      const r = await group.add(this.id, { kind: "finish", ...complete, run: params });
      if (r.kind !== "finish" || !r.completed) throw stepNoLongerHeld(this.id, pending?.stepName ?? "");
      result = r;
    } else if (pending !== undefined && backend.completeStepThenRunAndArchive !== undefined) {
      const combined = await backend.completeStepThenRunAndArchive({
        complete: { runId: this.id, now: params.now, ...pending },
        run: params,
      });
      if (!combined.completed) throw stepNoLongerHeld(this.id, pending.stepName);
      result = combined;
    } else {
      if (pending !== undefined) await this.#writeStepSuccess(pending);
      result = await backend.completeRunAndArchive(params);
    }
    const { run, archived } = result;
    if (run !== null) {
      this.#record = run;
      return archived;
    }
    await this.refresh();
    throw new InvalidStateTransitionError(
      this.#record.status,
      to,
      `Run ${this.id} is in terminal ${this.#record.status} state`,
    );
  }

  /** Alias of {@link complete}. */
  async success(output: unknown): Promise<this> {
    return this.complete(output);
  }

  /** → ERROR with `error` (any value; stored as JSON). */
  async fail(error: unknown): Promise<this> {
    await this.#guarded(NOT_TERMINAL, "ERROR", { error: toJsonText(error) });
    return this;
  }

  /**
   * RUNNING|QUEUED → PAUSED until `resumeAfterMs` from now; `error` records `{ message, resume_after }` (seconds).
   * VALIDATION_FAILED, with nothing written, unless `resumeAfterMs` is a finite number >= 0.
   */
  async pause(message: string, resumeAfterMs: number): Promise<this> {
    assertDelayMs("resume_after", "resumeAfterMs", resumeAfterMs);
    const error = toJsonText({ message, resume_after: resumeAfterMs / 1000 });
    const until = new Date(this.now().getTime() + resumeAfterMs);
    const waitingFor = waitingForJson({ kind: "pause", until });
    await this.#guarded(["QUEUED", "RUNNING", "PAUSED"], "PAUSED", { error, waitingFor });
    return this;
  }

  /** @internal → PAUSED with `waitingFor` (JSON text of a `RunWaitingFor`), for a run no consumer holds. */
  async pauseFor(waitingFor: string): Promise<this> {
    await this.#guarded(["QUEUED", "RUNNING", "PAUSED"], "PAUSED", { waitingFor });
    return this;
  }

  /**
   * Request cancellation: QUEUED|RUNNING|PAUSED → CANCELLING; it becomes CANCELLED at the next step boundary or
   * when a worker picks the run up. CANCELLING stays; terminal states raise INVALID_STATE_TRANSITION.
   */
  async cancel(): Promise<this> {
    this.#ctx.assertOpen();
    await this.#writes.settle();
    const row = await this.#ctx.backend.cancelRunTree({ runId: this.id, now: this.now() });
    if (row === null) throw new PgqrsError("RUN_NOT_FOUND", `RunRecord with id '${this.id}' not found`);
    this.#record = row;
    if (row.status === "CANCELLING") return this;
    throw new InvalidStateTransitionError(row.status, "CANCELLING", `Run ${this.id} is already finished`);
  }

  /** @internal CANCELLING → CANCELLED. */
  async finalizeCancel(): Promise<void> {
    await this.#transition(["CANCELLING"], "CANCELLED", {});
  }

  /**
   * Acquire step `name`: `SKIPPED` with the stored output when it already succeeded; `EXECUTE` with a guard
   * otherwise, also for a step left RUNNING (by a crashed attempt, or by this handle asking again: it is reset to
   * RUNNING with a new `startedAt`, and the earlier attempt's writes are refused with CONFLICT). CANCELLED when the
   * run was cancelled (a pending cancellation is finalised here), STEP_NOT_READY while a retry is scheduled,
   * RETRIES_EXHAUSTED when it failed for good, CONFLICT when a concurrent acquisition of this delivery won the step.
   */
  async acquireStep<T = unknown>(
    name: string,
    options: { currentTime?: Date | undefined; retry?: RetryOption } = {},
  ): Promise<StepResult<T>> {
    this.#ctx.assertOpen();
    if (typeof name !== "string" || name.length === 0) {
      throw new PgqrsError("VALIDATION_FAILED", "Validation failed: Step name is required");
    }
    const now = options.currentTime === undefined ? this.now() : assertDate("currentTime", options.currentTime);
    // Resolved (and checked) before the acquisition writes the step: a bad policy writes nothing.
    const policy = options.retry === undefined ? this.retryPolicy : resolveRetryPolicy(options.retry);
    const acquisition = beginStepAcquisition(this.#ctx, this.id, name);
    try {
      let owner = this.attemptOwner;
      let found = await this.#acquireWithPending(name, now);
      await this.#throwIfCancelled(found.runStatus);
      if (found.step?.status === "RUNNING" && !found.acquired) {
        // Not taken, yet RUNNING: this delivery holds it. Lost to a concurrent acquisition (the retry race), or
        // left by an earlier attempt of this delivery, which a fresh owner token takes over in one statement.
        if (acquisition.lostRace()) throw stepRaceConflict(this.id, name);
        acquisition.won();
        owner = `${this.attemptOwner}~${randomUUID()}`;
        found = await this.#ctx.backend.acquireStepOfRun({ runId: this.id, stepName: name, now, owner });
        await this.#throwIfCancelled(found.runStatus);
      }
      const { step, acquired } = found;
      if (step === null) throw new PgqrsError("RUN_NOT_FOUND", `Step '${name}' of run ${this.id} not found`);
      if (step.kind !== "step") {
        throw new ValidationError(
          `name '${name}' of run ${this.id} is already used by a ${step.kind} operation; it cannot be reused for a step`,
          { argument: "name", name, runId: this.id, existingKind: step.kind, kind: "step" },
        );
      }
      if (step.status === "SUCCESS") return { status: "SKIPPED", value: step.output as T, guard: null, step };
      if (acquired) {
        acquisition.won();
        return { status: "EXECUTE", value: null, guard: new StepGuard(this, step, now, policy, owner), step };
      }
      // Still RUNNING after the takeover: another token took it in between.
      if (step.status === "RUNNING") throw stepRaceConflict(this.id, name);
      throw unavailableStepError(this.id, step);
    } finally {
      acquisition.end();
    }
  }

  /**
   * The acquiring statement. The run's status is checked in it, and the previous step's deferred output is written
   * by it too: one round trip per step boundary.
   */
  async #acquireWithPending(name: string, now: Date): Promise<AcquiredStep> {
    const acquire = { runId: this.id, stepName: name, now, owner: this.attemptOwner };
    const backend = this.#ctx.backend;
    const pending = await this.#writes.take(name);
    // A worker's runs share statements (group commit); the completion is fenced with the acquisition's owner.
    const group = this.defersStepWrites ? stepBoundaryGroup(this.#ctx) : undefined;
    if (group !== undefined && (pending === undefined || pending.owner === this.attemptOwner)) {
      const complete = pending === undefined ? {} : { complete: { runId: this.id, now, ...pending } };
      const r = await group.add(this.id, { kind: "acquire", ...complete, acquire });
      if (r.kind !== "acquire" || !r.completed) throw stepNoLongerHeld(this.id, pending?.stepName ?? name);
      return r;
    }
    // The combined statement fences the completion with the acquisition's owner: a step taken over under a token
    // of its own is written separately.
    if (pending !== undefined && pending.owner === this.attemptOwner && backend.completeStepThenAcquire !== undefined) {
      const combined = await backend.completeStepThenAcquire({
        complete: { runId: this.id, now, ...pending },
        acquire,
      });
      if (!combined.completed) throw stepNoLongerHeld(this.id, pending.stepName);
      return combined;
    }
    if (pending !== undefined) await this.#writeStepSuccess(pending);
    return backend.acquireStepOfRun(acquire);
  }

  async #throwIfCancelled(runStatus: WorkflowStatus | null): Promise<void> {
    if (runStatus === null) throw new PgqrsError("RUN_NOT_FOUND", `RunRecord with id '${this.id}' not found`);
    if (runStatus === "CANCELLING") {
      await this.finalizeCancel();
      throw cancelledError(this.id);
    }
    if (runStatus === "CANCELLED") {
      await this.refresh();
      throw cancelledError(this.id);
    }
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
    let current = err;
    for (let depth = 0; depth < 8; depth += 1) {
      const at = this.#stepRetries.get(current);
      if (at !== undefined) return at;
      if (!(current instanceof Error) || current.cause === undefined) return undefined;
      current = current.cause;
    }
    return undefined;
  }

  /** Record step `name` as SUCCESS with `output` (acquiring it first); a finished step's output is replaced. */
  async completeStep(name: string, output: unknown): Promise<StepRecord> {
    const r = await this.acquireStep(name);
    if (r.status === "EXECUTE") return r.guard.success(output);
    // An explicit completion of a finished step replaces its output, as pgqrs's `complete_step` does: the write
    // is not fenced, since no attempt holds a SUCCESS step.
    const json = output === undefined ? "null" : serializePayload(output, this.#ctx.config.validationConfig);
    return this.#ctx.backend.completeStep({ runId: this.id, stepName: name, now: this.now(), output: json });
  }

  /**
   * Acquire step `name` and record `error` as {@link StepGuard.failWithJson} does (an `is_transient: true` error
   * schedules a retry; anything else fails the step for good). A step that already succeeded is left as it is.
   */
  async failStep(name: string, error: unknown, options: { currentTime?: Date } = {}): Promise<StepRecord> {
    const r = await this.acquireStep(name, options);
    if (r.status === "SKIPPED") return r.step;
    return r.guard.failWithJson(error);
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
    this.#ctx.assertOpen();
    await this.#writes.settle();
    return this.#ctx.backend.listSteps({ runId: this.id });
  }

  async #writeStepSuccess(pending: DeferredSuccess): Promise<void> {
    await this.#ctx.backend.completeStep({ runId: this.id, now: this.now(), ...pending });
  }

  async #guarded(
    from: readonly WorkflowStatus[],
    to: WorkflowStatus,
    fields: { output?: string; error?: string; waitingFor?: string },
  ): Promise<void> {
    const row = await this.#transition(from, to, fields);
    if (row === null) {
      throw new InvalidStateTransitionError(
        this.#record.status,
        to,
        `Run ${this.id} is in terminal ${this.#record.status} state`,
      );
    }
  }

  async #transition(
    from: readonly WorkflowStatus[],
    to: WorkflowStatus,
    fields: { output?: string; error?: string; waitingFor?: string },
  ): Promise<RunRecord | null> {
    this.#ctx.assertOpen();
    await this.#writes.settle();
    const row = await this.#ctx.backend.transitionRun({ id: this.id, from, to, now: this.now(), ...fields });
    if (row !== null) {
      this.#record = row;
      return row;
    }
    await this.refresh();
    return null;
  }
}
