/**
 * The queue settings flags (`queue create`, `queue update`) and the retry flags (`worker run`): their specs, and
 * their values turned into the library's options, checked by the library's own rules before anything is written.
 * A bad value is a usage error naming the flag, the rule and the command whose help to read.
 */
import { isPgqrsError } from "../../errors.js";
import { DEFAULT_RETRY } from "../../queue/retry-backoff.js";
import type { QueueSettingsOptions, RateLimit, RetryOptions } from "../../queue-controls-types.js";
import { assertQueueSettings, assertRetryOptions } from "../../validation/queue-settings.js";
import { UsageError } from "../cli-errors.js";
import type { FlagSpec, ParsedFlags } from "../command.js";

type RetryField = keyof RetryOptions;

/** Retry flag → the `RetryPolicy` field it sets. */
const RETRY_FLAG_FIELDS: Record<string, RetryField> = {
  "retry-base-ms": "baseMs",
  "retry-factor": "factor",
  "retry-max-ms": "maxMs",
  "retry-jitter": "jitter",
  "max-attempts": "maxAttempts",
};

/** The retry flags, as `worker run` takes them (no `none`: a loop override is either given or not). */
export const RETRY_FLAGS: Record<string, FlagSpec> = {
  "retry-base-ms": {
    type: "string",
    placeholder: "MS",
    description: "Delay after a handler's first failure, ms, 0 to 86400000 (default 1000)",
  },
  "retry-factor": {
    type: "string",
    placeholder: "X",
    description: "Growth of the delay per further failure, 1 to 100 (default 2)",
  },
  "retry-max-ms": {
    type: "string",
    placeholder: "MS",
    description: "Longest delay, ms, at least the base (default 300000, 5 minutes)",
  },
  "retry-jitter": {
    type: "string",
    placeholder: "F",
    description: "Random shortening of each delay, a fraction 0 to 1 (default 0.2)",
  },
  "max-attempts": {
    type: "string",
    placeholder: "N",
    description: "Deliveries before a failing message is dead-lettered, 1 to 1000 (default maxReadCt, 5)",
  },
};

/** The queue settings flags: each takes `none` to clear the setting (`queue update`). */
export const SETTINGS_FLAGS: Record<string, FlagSpec> = {
  "concurrency-limit": {
    type: "string",
    placeholder: "N",
    description: "At most N messages of the queue leased at once, across every process, 1 to 10000 (none: no limit)",
  },
  "rate-limit": {
    type: "string",
    placeholder: "MAX/SECONDS",
    description: "At most MAX claims in any SECONDS window, across every process, e.g. 10/1 (none: no limit)",
  },
  ...Object.fromEntries(
    Object.entries(RETRY_FLAGS).map(([name, spec]) => [
      name,
      { ...spec, description: `${spec.description.replace(/\)$/, "")}; none: the default)` },
    ]),
  ),
};

/** Library field (`retry.baseMs`, `rateLimit.max`, `concurrencyLimit`) → the flag that sets it. */
function flagOfField(field: string): string | undefined {
  if (field === "concurrencyLimit") return "concurrency-limit";
  if (field.startsWith("rateLimit")) return "rate-limit";
  const retry = /^retry\.(\w+)$/.exec(field)?.[1];
  return Object.entries(RETRY_FLAG_FIELDS).find(([, f]) => f === retry)?.[0];
}

/** Run a library check; its VALIDATION_FAILED becomes a usage error naming the flag. */
function checked<T>(command: string, check: () => T): T {
  try {
    return check();
  } catch (err) {
    if (!isPgqrsError(err, "VALIDATION_FAILED")) throw err;
    const field = typeof err.details.argument === "string" ? err.details.argument : "";
    const flag = flagOfField(field);
    const reason = typeof err.details.reason === "string" ? err.details.reason : err.message;
    throw new UsageError(`${flag === undefined ? "" : `--${flag}: `}${reason}; nothing was written`, command);
  }
}

function numberOf(flag: string, raw: string, command: string): number {
  const n = raw.trim() === "" ? Number.NaN : Number(raw);
  if (!Number.isFinite(n)) {
    throw new UsageError(
      `--${flag} takes a number${command.startsWith("queue") ? " or none" : ""}, got '${raw}'`,
      command,
    );
  }
  return n;
}

function parseRateLimit(raw: string, command: string): RateLimit {
  const m = /^\s*([^/\s]+)\s*\/\s*([^/\s]+)\s*$/.exec(raw);
  if (m === null) {
    throw new UsageError(
      `--rate-limit takes MAX/SECONDS (e.g. 10/1: 10 claims per second) or none, got '${raw}'`,
      command,
    );
  }
  const [max, perSeconds] = [Number(m[1]), Number(m[2])];
  if (!Number.isFinite(max) || !Number.isFinite(perSeconds)) {
    throw new UsageError(`--rate-limit takes two numbers MAX/SECONDS (e.g. 10/1) or none, got '${raw}'`, command);
  }
  return { max, perSeconds };
}

/**
 * The retry flags given: `fields` to set, `cleared` to reset to their defaults (`none`, only where `allowNone`).
 * Nothing given: both empty.
 */
export function retryFlags(
  flags: ParsedFlags,
  command: string,
  allowNone: boolean,
): { fields: RetryOptions; cleared: RetryField[] } {
  const fields: RetryOptions = {};
  const cleared: RetryField[] = [];
  for (const [flag, field] of Object.entries(RETRY_FLAG_FIELDS)) {
    const raw = flags.string(flag);
    if (raw === undefined) continue;
    if (allowNone && raw === "none") cleared.push(field);
    else fields[field] = numberOf(flag, raw, command);
  }
  if (Object.keys(fields).length > 0) checked(command, () => assertRetryOptions("retry", fields));
  return { fields, cleared };
}

/** A loop's retry override from `worker run`'s flags; `undefined` when none is given. */
export function loopRetryOptions(flags: ParsedFlags, command: string): RetryOptions | undefined {
  const { fields } = retryFlags(flags, command, false);
  return Object.keys(fields).length === 0 ? undefined : fields;
}

/**
 * The settings to write from the flags: `current` is the queue's retry policy as stored, which the retry flags
 * change field by field (a field set to `none` goes back to its default; no field left: `retry: null`). Fields
 * whose flag is not given are left out (unchanged). Checked with the library's rules.
 */
export function settingsFromFlags(
  flags: ParsedFlags,
  command: string,
  current: RetryOptions | null = null,
): QueueSettingsOptions {
  const out: QueueSettingsOptions = {};
  const limit = flags.string("concurrency-limit");
  if (limit !== undefined) {
    out.concurrencyLimit = limit === "none" ? null : numberOf("concurrency-limit", limit, command);
  }
  const rate = flags.string("rate-limit");
  if (rate !== undefined) out.rateLimit = rate === "none" ? null : parseRateLimit(rate, command);
  const { fields, cleared } = retryFlags(flags, command, true);
  if (Object.keys(fields).length > 0 || cleared.length > 0) {
    const merged: RetryOptions = { ...(current ?? {}), ...fields };
    for (const field of cleared) delete merged[field];
    out.retry = Object.keys(merged).length === 0 ? null : merged;
  }
  return checked(command, () => assertQueueSettings(out));
}

/** Whether any settings flag was given. */
export function hasSettingsFlags(flags: ParsedFlags): boolean {
  return Object.keys(SETTINGS_FLAGS).some((name) => flags.has(name));
}

/**
 * A notice when a retry policy's base delay is over its longest wait (a base given alone stays under the default
 * cap of 5 minutes): every delay is then the cap. `null` when the policy is consistent.
 */
export function retryCapNote(retry: RetryOptions | null | undefined): string | null {
  if (retry === null || retry === undefined || retry.baseMs === undefined) return null;
  const maxMs = retry.maxMs ?? DEFAULT_RETRY.maxMs;
  if (retry.baseMs <= maxMs) return null;
  return (
    `note: the retry base (${retry.baseMs} ms) is over the longest wait (${maxMs} ms${retry.maxMs === undefined ? ", the default" : ""}), ` +
    "so every retry waits the longest; raise it with --retry-max-ms"
  );
}
