/**
 * Retention policies (retention is on by default): how long archived messages, dead letters
 * and finished workflow runs are kept, per queue and per workflow (a workflow's policy is its queue's, which has the
 * workflow's name). Durations are written `"30s"`, `"15m"`, `"12h"`, `"7d"` or as milliseconds.
 */
import { ValidationError } from "../errors.js";
import type { RetentionDefaults, RetentionRow } from "../store/retention-store.js";
import { MAX_DURATION_MS } from "../validation/time-arguments.js";

/** A duration: `"<n>ms"`, `"<n>s"`, `"<n>m"`, `"<n>h"`, `"<n>d"` (n a non-negative integer), or milliseconds. */
export type RetentionDuration = string | number;

/**
 * Retention periods to set. A field left out keeps its current value (the default when the queue has no policy);
 * `false` keeps that kind of row forever.
 */
export interface RetentionOptions {
  /** Archived (acknowledged, not dead-lettered) messages of a plain queue. Default `"7d"`. */
  archived?: RetentionDuration | false;
  /** Dead-lettered messages, with their failed runs. Default `"30d"`. */
  deadLetters?: RetentionDuration | false;
  /**
   * Finished runs (SUCCESS, ERROR, CANCELLED) of a workflow, with their steps, run messages, events and archived
   * trigger message; counted from the trigger message's archive time. Default `"30d"`.
   */
  finishedRuns?: RetentionDuration | false;
}

/** A queue's (or workflow's) effective retention: periods in milliseconds, `false` = kept forever. */
export interface RetentionPolicy {
  /** Queue (or workflow) name. */
  name: string;
  /** How long archived (done) messages are kept, in milliseconds; `false`: forever. Default 7 days. */
  archivedMs: number | false;
  /** How long dead-lettered messages are kept, in milliseconds; `false`: forever. Default 30 days. */
  deadLettersMs: number | false;
  /** How long finished workflow runs are kept, in milliseconds; `false`: forever. Default 30 days. */
  finishedRunsMs: number | false;
  /** True when the queue has no policy of its own and the documented defaults apply. */
  isDefault: boolean;
  /** When the policy was last set; `null` for the defaults. */
  updatedAt: Date | null;
}

const DAY_MS = 86_400_000;

/** The documented defaults: archived 7 days, dead letters 30 days, finished runs 30 days. */
export const DEFAULT_RETENTION: Readonly<RetentionDefaults> = Object.freeze({
  archivedMs: 7 * DAY_MS,
  deadLettersMs: 30 * DAY_MS,
  finishedRunsMs: 30 * DAY_MS,
});

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: DAY_MS };
const PATTERN = /^(\d+)(ms|s|m|h|d)$/;

/**
 * Milliseconds of a duration (`"7d"` → 604800000). VALIDATION_FAILED naming `argument` for anything else, or past
 * 100 years.
 */
export function parseDuration(argument: string, value: unknown): number {
  let ms: number | undefined;
  if (typeof value === "number" && Number.isInteger(value) && value >= 0) ms = value;
  if (typeof value === "string") {
    const m = PATTERN.exec(value.trim());
    if (m?.[1] !== undefined && m[2] !== undefined) ms = Number(m[1]) * (UNITS[m[2]] ?? Number.NaN);
  }
  if (ms === undefined || !(ms <= MAX_DURATION_MS)) {
    throw new ValidationError(
      `${argument} must be a duration like "30s", "15m", "12h", "7d" or a whole number of milliseconds (0 to 100 years), got ${JSON.stringify(value)}`,
      { argument },
    );
  }
  return ms;
}

function periodOf(argument: string, value: unknown, current: number | null): number | null {
  if (value === undefined) return current;
  if (value === false) return null;
  return parseDuration(argument, value);
}

/**
 * The stored periods (ms, `null` = forever) after applying `options` (or `false`: keep everything) to the current
 * row (or the defaults). VALIDATION_FAILED naming the field, before anything is written.
 */
export function resolveRetention(
  options: RetentionOptions | false,
  current: RetentionRow | null,
): { archivedMs: number | null; deadLettersMs: number | null; finishedRunsMs: number | null } {
  if (options === false) return { archivedMs: null, deadLettersMs: null, finishedRunsMs: null };
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new ValidationError(
      `retention must be an object { archived?, deadLetters?, finishedRuns? } or false, got ${JSON.stringify(options)}`,
      { argument: "retention" },
    );
  }
  for (const key of Object.keys(options)) {
    if (key !== "archived" && key !== "deadLetters" && key !== "finishedRuns") {
      throw new ValidationError(`retention.${key} is not a retention field (archived, deadLetters, finishedRuns)`, {
        argument: `retention.${key}`,
      });
    }
  }
  const base = current ?? DEFAULT_RETENTION;
  return {
    archivedMs: periodOf("retention.archived", options.archived, base.archivedMs),
    deadLettersMs: periodOf("retention.deadLetters", options.deadLetters, base.deadLettersMs),
    finishedRunsMs: periodOf("retention.finishedRuns", options.finishedRuns, base.finishedRunsMs),
  };
}

/** The public view of a queue's stored row (or of the defaults when it has none). */
export function toPolicy(name: string, row: RetentionRow | null): RetentionPolicy {
  const r = row ?? DEFAULT_RETENTION;
  return {
    name,
    archivedMs: r.archivedMs ?? false,
    deadLettersMs: r.deadLettersMs ?? false,
    finishedRunsMs: r.finishedRunsMs ?? false,
    isDefault: row === null,
    updatedAt: row?.updatedAt ?? null,
  };
}
