/**
 * The step's attempt errors (`attempt_errors`, issue 16): one entry per failed execution, appended by the failing
 * write itself, so the history cannot disagree with the step's `error`. Stored as a JSON array on both backends.
 */
import type { StepAttemptError } from "../types.js";

/** The JSON text of one entry: `{ attempt, at, error }`, `at` as an ISO 8601 string, `error` the step's error JSON. */
export function attemptErrorEntry(attempt: number, at: Date, errorJson: string): string {
  return `{"attempt":${Math.trunc(attempt)},"at":${JSON.stringify(at.toISOString())},"error":${errorJson}}`;
}

/** The stored array (parsed JSON, or SQL NULL for steps no failure has touched, or written by pgqrs) as records. */
export function toAttemptErrors(value: unknown): StepAttemptError[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((e): StepAttemptError[] => {
    if (e === null || typeof e !== "object") return [];
    const { attempt, at, error } = e as { attempt?: unknown; at?: unknown; error?: unknown };
    return [{ attempt: Number(attempt), at: new Date(String(at)), error: error ?? null }];
  });
}
