import { ValidationError } from "../errors.js";
import { assertDate } from "../validation/time-arguments.js";
import type { Run, StepResult } from "../workflow/run.js";

/** `pgqrs.step().run(run).name("x").execute()`: acquire a step by hand. */
export class StepBuilder {
  #run: Run | undefined;
  #name: string | undefined;
  #time: Date | undefined;

  /** The run whose step is acquired (required). */
  run(run: Run): this {
    this.#run = run;
    return this;
  }

  /** The step's name, unique within the run (required). */
  name(name: string): this {
    this.#name = name;
    return this;
  }

  /** Alias of {@link name}. */
  id(name: string): this {
    return this.name(name);
  }

  /** Reference time of the acquisition (tests), a Date in 1970-9999. */
  withTime(at: Date): this {
    this.#time = at;
    return this;
  }

  /**
   * Acquire the step (see `Run.acquireStep`): `SKIPPED` with the stored output when it already succeeded, else
   * `EXECUTE` with a guard to complete or fail it. The reference time defaults to the run's current time.
   * VALIDATION_FAILED when the run or the name is missing or `withTime` is out of range; CANCELLED, STEP_NOT_READY,
   * RETRIES_EXHAUSTED and CONFLICT as `Run.acquireStep`.
   */
  async execute<T = unknown>(): Promise<StepResult<T>> {
    if (this.#run === undefined) {
      throw new ValidationError("Run handle is required for StepBuilder::execute");
    }
    if (this.#name === undefined) {
      throw new ValidationError("Step name is required for StepBuilder::execute");
    }
    if (this.#time !== undefined) assertDate("withTime", this.#time);
    return this.#run.acquireStep<T>(this.#name, { currentTime: this.#time ?? this.#run.currentTime });
  }
}

/** Start a step builder. */
export function step(): StepBuilder {
  return new StepBuilder();
}
