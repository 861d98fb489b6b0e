/** How the CLI shows a queue's settings: a block for `queue show`, one cell for `queue list`. */
import type { RetryPolicy } from "../../queue-controls-types.js";
import { resolveRetryPolicy } from "../../queue/retry-backoff.js";
import type { QueueRecord } from "../../types.js";
import type { Cell } from "../output.js";

/** The settings part of a queue record (what `queue list --json` adds to each queue's counts). */
export type SettingsOf = Pick<QueueRecord, "retry" | "concurrencyLimit" | "rateLimit">;

export function settingsOf(q: SettingsOf): SettingsOf {
  return { retry: q.retry, concurrencyLimit: q.concurrencyLimit, rateLimit: q.rateLimit };
}

/** `10 per 1 s`. */
export function rateText(rate: { max: number; perSeconds: number }): string {
  return `${rate.max} per ${rate.perSeconds} s`;
}

/**
 * `queue show` lines: each retry field with `(default)` when the queue does not set it, the concurrency limit with
 * the messages leased now, the rate limit.
 */
export function settingsLines(q: SettingsOf, maxReadCt: number, leasedNow: number): [string, Cell][] {
  const policy = resolveRetryPolicy(q, maxReadCt);
  const own = q.retry ?? {};
  const mark = (field: keyof RetryPolicy, text: string) =>
    own[field] === undefined ? `${text} (default${field === "maxAttempts" ? ": maxReadCt" : ""})` : text;
  return [
    ["concurrency limit", q.concurrencyLimit === null ? "none" : `${q.concurrencyLimit} (${leasedNow} leased now)`],
    ["rate limit", q.rateLimit === null ? "none" : rateText(q.rateLimit)],
    ["retry attempts", mark("maxAttempts", String(policy.maxAttempts))],
    ["retry base", mark("baseMs", `${policy.baseMs} ms`)],
    ["retry factor", mark("factor", `× ${policy.factor}`)],
    ["retry max", mark("maxMs", `${policy.maxMs} ms`)],
    ["retry jitter", mark("jitter", String(policy.jitter))],
  ];
}

/** One cell for `queue list`: only what the queue sets (`-` when nothing). */
export function settingsSummary(q: SettingsOf): string {
  const parts: string[] = [];
  if (q.concurrencyLimit !== null) parts.push(`limit ${q.concurrencyLimit}`);
  if (q.rateLimit !== null) parts.push(`rate ${q.rateLimit.max}/${q.rateLimit.perSeconds}s`);
  const r = q.retry;
  if (r !== null) {
    const retry = [
      r.maxAttempts === undefined ? "" : `${r.maxAttempts} attempts`,
      r.baseMs === undefined ? "" : `base ${r.baseMs}ms`,
      r.factor === undefined ? "" : `×${r.factor}`,
      r.maxMs === undefined ? "" : `max ${r.maxMs}ms`,
      r.jitter === undefined ? "" : `jitter ${r.jitter}`,
    ].filter((p) => p !== "");
    if (retry.length > 0) parts.push(`retry ${retry.join(" ")}`);
  }
  return parts.length === 0 ? "-" : parts.join(", ");
}
