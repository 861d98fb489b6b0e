import { PgqrsError, TransientStepError } from "../errors.js";
import { serializeOutput } from "../queue/payload-validation.js";
import type { StepRecord } from "../types.js";
import { timeAfter } from "../validation/time-arguments.js";
import { retryDelayMs, type StepRetryPolicy, shouldRetry } from "./retry-policy.js";
import type { Run } from "./run.js";
import { assertDelayMs, stepErrorJson, thrownStepErrorJson, toJsonText } from "./workflow-errors.js";

/** Records the outcome of one acquired step execution. */
export class StepGuard {
  readonly #run: Run;
  readonly #step: StepRecord;
  readonly #now: Date;
  readonly #policy: StepRetryPolicy;
  readonly #owner: string;

  /** Internal: created by the run when it acquires a step to execute. */
  constructor(run: Run, step: StepRecord, acquiredAt: Date, policy: StepRetryPolicy, owner: string) {
    this.#run = run;
    this.#step = step;
    this.#now = acquiredAt;
    this.#policy = policy;
    this.#owner = owner;
  }

  /** The step row as acquired. */
  get step(): StepRecord {
    return this.#step;
  }

  /**
   * @internal The token this attempt acquired the step under. Its writes apply only while the step is RUNNING
   * under it: once a later attempt has taken the step over, they are refused with CONFLICT.
   */
  get owner(): string {
    return this.#owner;
  }

  /** SUCCESS with `output` (must be JSON-serialisable; `undefined` is stored as null). */
  async success(output: unknown): Promise<StepRecord> {
    const ctx = this.#run.context;
    const json = serializeOutput(output, ctx.config.validationConfig);
    return ctx.backend.completeStep({
      runId: this.#run.id,
      stepName: this.#step.stepName,
      now: this.#run.now(),
      output: json,
      owner: this.#owner,
    });
  }

  /** Alias of {@link success}. */
  async complete(output: unknown): Promise<StepRecord> {
    return this.success(output);
  }

  /** Failed for good: the next acquisition raises RETRIES_EXHAUSTED. */
  async fail(error: unknown): Promise<StepRecord> {
    const json = error instanceof Error || typeof error === "string" ? stepErrorJson(error) : error;
    return this.#write(toJsonText(json), null, this.#step.retryCount, true);
  }

  /**
   * Fail the step for good with `error` (any thrown value), whatever its retry policy, as a `NonRetryableError`
   * thrown from the step would: stored as `{ is_transient: false, code, message }` (code `NON_RETRYABLE` unless
   * `error` is a PgqrsError) and kept with the step's attempt errors; the next acquisition raises RETRIES_EXHAUSTED.
   * Throw the error on out of the workflow to fail the run at once.
   */
  async failPermanent(error: unknown): Promise<StepRecord> {
    const { code, message } = stepErrorJson(error);
    return this.#write(toJsonText({ is_transient: false, code, message }), null, this.#step.retryCount, true);
  }

  /**
   * Failed transiently: a retry is scheduled by the policy (or after `retryAfterMs`), unless the retries are used
   * up, in which case the step fails for good. Returns the row; `retryAt === null` means no retry.
   * VALIDATION_FAILED ("Invalid retry_after"), with nothing written, unless `retryAfterMs` is a finite number >= 0.
   */
  async failTransient(code: string, message: string, options: { retryAfterMs?: number } = {}): Promise<StepRecord> {
    if (options.retryAfterMs !== undefined) assertDelayMs("retry_after", "retryAfterMs", options.retryAfterMs);
    const err = new TransientStepError(
      code,
      message,
      options.retryAfterMs === undefined ? {} : { retryAfterMs: options.retryAfterMs },
    );
    return this.recordFailure(err);
  }

  /**
   * @internal Record any value a step threw: a pause puts the step back until it resumes; any error schedules a
   * retry under the policy (a TransientStepError after its `retryAfterMs` when given) while the budget lasts, except
   * those that are never retried (a NonRetryableError, engine signals: see `isRetriedStepError`), which fail it for
   * good.
   */
  async recordFailure(err: unknown): Promise<StepRecord> {
    const override = err instanceof TransientStepError ? err.retryAfterMs : undefined;
    if (override !== undefined) assertDelayMs("retry_after", "retryAfterMs", override);
    const json = thrownStepErrorJson(err);
    if (err instanceof PgqrsError && err.code === "PAUSED") {
      return this.#record(json, { delayMs: Number(err.details.resumeAfterMs ?? 0), paused: true });
    }
    return this.#record(json, { delayMs: override, paused: false });
  }

  /**
   * Record `error` (any JSON value) as pgqrs's `fail_with_json` does: a value without an `is_transient` key is
   * wrapped as `{ is_transient: false, code: "NON_RETRYABLE", message: <its JSON text> }` and fails the step for
   * good; one with `is_transient: true` schedules a retry like a transient failure (after its `retry_after`
   * seconds when given, else by the policy), unless the retries are used up. VALIDATION_FAILED, nothing written,
   * for a `retry_after` that is not a finite number of seconds >= 0.
   */
  async failWithJson(error: unknown): Promise<StepRecord> {
    const json: Record<string, unknown> =
      error !== null && typeof error === "object" && !Array.isArray(error) && "is_transient" in error
        ? (error as Record<string, unknown>)
        : { is_transient: false, code: "NON_RETRYABLE", message: toJsonText(error) };
    const retryAfter = json.retry_after ?? undefined;
    const delayMs = retryAfter === undefined ? undefined : secondsToMs(retryAfter);
    if (delayMs !== undefined) assertDelayMs("retry_after", "retry_after", delayMs);
    return this.#record(json, { delayMs, paused: false });
  }

  /**
   * Write a failure: transient ones get a retry at `delayMs` (or the policy's delay) while the budget lasts; a
   * pause is not a failure and does not use up the budget.
   */
  #record(json: object, how: { delayMs: number | undefined; paused: boolean }): Promise<StepRecord> {
    const text = toJsonText(json);
    const retryCount = this.#step.retryCount;
    if (how.paused) {
      return this.#write(text, timeAfter("resumeAfterMs", this.#now, how.delayMs ?? 0), retryCount, false);
    }
    const transient = (json as { is_transient?: unknown }).is_transient === true;
    if (!transient || !shouldRetry(this.#policy, retryCount)) return this.#write(text, null, retryCount, true);
    const delay = how.delayMs ?? retryDelayMs(this.#policy.backoff, retryCount);
    return this.#write(text, timeAfter("retryAfterMs", this.#now, delay), retryCount + 1, true);
  }

  /** `failed`: an attempt's failure, kept in the step's attempt errors (a pause is not one). */
  #write(error: string, retryAt: Date | null, retryCount: number, failed: boolean): Promise<StepRecord> {
    const ctx = this.#run.context;
    return ctx.backend.failStep({
      runId: this.#run.id,
      stepName: this.#step.stepName,
      now: this.#run.now(),
      error,
      retryAt,
      retryCount,
      owner: this.#owner,
      // The execution's number: the first is 1, each scheduled retry adds one.
      ...(failed ? { attempt: this.#step.retryCount + 1 } : {}),
    });
  }
}

/** A stored `retry_after`: seconds, or pgqrs's serialised Duration `{ secs, nanos }`; NaN when it is neither. */
function secondsToMs(value: unknown): number {
  if (typeof value === "number") return value * 1000;
  if (value !== null && typeof value === "object" && "secs" in value) {
    const { secs, nanos } = value as { secs: unknown; nanos?: unknown };
    if (typeof secs === "number" && (nanos === undefined || typeof nanos === "number")) {
      return secs * 1000 + (nanos ?? 0) / 1e6;
    }
  }
  return Number.NaN;
}
