/**
 * The step errors an execution of a run threw with a retry scheduled, each with the time the retry is due: the
 * workflow handler reads them to put the run's message back for that time, even when workflow code wrapped the
 * error in one of its own.
 */

/** Step errors with a retry scheduled, and when each retry is due. */
export type StepRetryNotes = Map<unknown, Date>;

/**
 * When the step that threw `err` (or an error in its `cause` chain, up to 8 deep) is retried; `undefined` when
 * `err` is not a step error with a retry scheduled.
 */
export function noteOfStepRetry(notes: StepRetryNotes, err: unknown): Date | undefined {
  let current = err;
  for (let depth = 0; depth < 8; depth += 1) {
    const at = notes.get(current);
    if (at !== undefined) return at;
    if (!(current instanceof Error) || current.cause === undefined) return undefined;
    current = current.cause;
  }
  return undefined;
}
