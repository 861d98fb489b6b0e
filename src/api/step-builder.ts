import { ValidationError } from "../errors.js";
import { assertDate } from "../validation/time-arguments.js";
import type { Run, StepResult } from "../workflow/run.js";

/** `pgqrs.step().run(run).name("x").execute()`: acquire a step by hand. */
export class StepBuilder {
  #run: Run | undefined;
  #name: string | undefined;
  #time: Date | undefined;

  run(run: Run): this {
    this.#run = run;
    return this;
  }

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
