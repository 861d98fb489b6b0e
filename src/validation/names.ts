/**
 * Names of queues, workflows and workers: the check every entry point applies before a name reaches a store, and
 * the error for a queue name that matches no queue.
 */
import { PgqrsError, ValidationError } from "../errors.js";

/** QUEUE_NOT_FOUND naming the queue. */
export function queueNotFound(name: string): PgqrsError {
  return new PgqrsError("QUEUE_NOT_FOUND", `Queue '${name}' not found`, { details: { name } });
}

/**
 * Longest name, characters (UTF-16 code units): PostgreSQL's `pgqrs_workflows.name` is VARCHAR(255), and a longer
 * queue or worker name may not fit a unique index entry there, so every name keeps to the same limit on every
 * backend (as step names, dedup and group keys do).
 */
export const MAX_NAME_LENGTH = 255;

/** Names are plain data (any unicode), but must be non-empty strings of at most 255 characters without NUL bytes. */
export function assertName(kind: string, name: unknown): asserts name is string {
  if (typeof name !== "string" || name.length === 0) {
    throw new ValidationError(`${kind} name must be a non-empty string`, { kind });
  }
  if (name.length > MAX_NAME_LENGTH) {
    throw new ValidationError(`${kind} name must be at most ${MAX_NAME_LENGTH} characters (got ${name.length})`, {
      kind,
    });
  }
  if (name.includes("\u0000")) {
    throw new ValidationError(`${kind} name must not contain NUL bytes`, { kind });
  }
  if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(name)) {
    throw new ValidationError(`${kind} name contains a lone UTF-16 surrogate`, { kind });
  }
}
