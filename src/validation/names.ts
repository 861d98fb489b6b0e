/**
 * Names of queues, workflows and workers: the check every entry point applies before a name reaches a store, and
 * the error for a queue name that matches no queue.
 */
import { PgqrsError, ValidationError } from "../errors.js";

/** QUEUE_NOT_FOUND naming the queue. */
export function queueNotFound(name: string): PgqrsError {
  return new PgqrsError("QUEUE_NOT_FOUND", `Queue '${name}' not found`, { details: { name } });
}

/** Names are plain data (any unicode), but must be non-empty strings without NUL bytes. */
export function assertName(kind: string, name: unknown): asserts name is string {
  if (typeof name !== "string" || name.length === 0) {
    throw new ValidationError(`${kind} name must be a non-empty string`, { kind });
  }
  if (name.includes("\u0000")) {
    throw new ValidationError(`${kind} name must not contain NUL bytes`, { kind });
  }
  if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(name)) {
    throw new ValidationError(`${kind} name contains a lone UTF-16 surrogate`, { kind });
  }
}
