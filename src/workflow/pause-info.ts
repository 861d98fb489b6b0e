/**
 * A run paused by its code (`pauseError(message, resumeAfterMs)` / `run.pause`), read for display: its reason and
 * the time it resumes. The run's `error` keeps pgqrs's stored form `{ message, resume_after }` (seconds, for the
 * Rust and Python readers); surfaces show this instead, so no view mixes those seconds with other units.
 */
import type { RunRecord } from "../types.js";

/** The reason and resume time of a paused run. */
export interface PauseInfo {
  /** The message given to the pause, or `null` when none was recorded. */
  reason: string | null;
  /** When the run resumes on its own (the store's clock), or `null` when unknown. */
  resumesAt: Date | null;
}

/**
 * For a PAUSED run whose wait is a pause (`waitingFor.kind === "pause"`, or no `waitingFor` as pgqrs writes it):
 * its reason and resume time (`waitingFor.until`, else `pausedAt + resume_after`); `null` for any other run.
 */
export function pauseInfo(
  run: Pick<RunRecord, "status" | "error" | "waitingFor"> & { pausedAt?: Date | null },
): PauseInfo | null {
  if (run.status !== "PAUSED") return null;
  const w = run.waitingFor;
  if (w !== null && w.kind !== "pause") return null;
  const e = run.error;
  const stored = e !== null && typeof e === "object" ? (e as { message?: unknown; resume_after?: unknown }) : {};
  const reason = typeof stored.message === "string" ? stored.message : null;
  const afterS = typeof stored.resume_after === "number" ? stored.resume_after : Number.NaN;
  const resumesAt =
    w?.until ??
    (run.pausedAt != null && Number.isFinite(afterS) ? new Date(run.pausedAt.getTime() + afterS * 1000) : null);
  return { reason, resumesAt };
}
