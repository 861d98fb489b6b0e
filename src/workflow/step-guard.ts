import { PgqrsError, TransientStepError } from "../errors.js";
import { serializePayload } from "../queue/payload-validation.js";
import type { StepRecord } from "../types.js";
import { retryDelayMs, type StepRetryPolicy, shouldRetry } from "./retry-policy.js";
import type { Run } from "./run.js";
import { assertDelayMs, stepErrorJson, toJsonText } from "./workflow-errors.js";

/** Records the outcome of one acquired step execution. */
export class StepGuard {
  readonly #run: Run;
  readonly #step: StepRecord;
  readonly #now: Date;
  readonly #policy: StepRetryPolicy;
  readonly #owner: string;

  constructor(run: Run, step: StepRecord, acquiredAt: Date, policy: StepRetryPolicy, owner: string) {
    this.#run = run;
    this.#step = step;
    this.#now = acquiredAt;
    this.#policy = policy;
    this.#owner = owner;
  }

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
    const json = output === undefined ? "null" : serializePayload(output, ctx.config.validationConfig);
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
    return this.#write(toJsonText(json), null, this.#step.retryCount);
  }

  /**
   * Failed transiently: a retry is scheduled by the policy (or after `retryAfterMs`), unless the retries are used
   * up, in which case the step fails for good. Returns the row; `retryAt === null` means no retry.
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

  /** @internal Record any thrown value: transient and paused errors schedule a retry, others fail for good. */
  async recordFailure(err: unknown): Promise<StepRecord> {
    const override = err instanceof TransientStepError ? err.retryAfterMs : undefined;
    if (override !== undefined) assertDelayMs("retry_after", "retryAfterMs", override);
    const json = stepErrorJson(err);
    const retryCount = this.#step.retryCount;
    if (err instanceof PgqrsError && err.code === "PAUSED") {
      // A pause is not a failure: it does not use up the retry budget.
      const resumeMs = Number(err.details.resumeAfterMs ?? 0);
      return this.#write(toJsonText(json), new Date(this.#now.getTime() + resumeMs), retryCount);
    }
    if (!json.is_transient || !shouldRetry(this.#policy, retryCount)) {
      return this.#write(toJsonText(json), null, retryCount);
    }
    const delay = override ?? retryDelayMs(this.#policy.backoff, retryCount);
    return this.#write(toJsonText(json), new Date(this.#now.getTime() + delay), retryCount + 1);
  }

  #write(error: string, retryAt: Date | null, retryCount: number): Promise<StepRecord> {
    const ctx = this.#run.context;
    return ctx.backend.failStep({
      runId: this.#run.id,
      stepName: this.#step.stepName,
      now: this.#run.now(),
      error,
      retryAt,
      retryCount,
      owner: this.#owner,
    });
  }
}
