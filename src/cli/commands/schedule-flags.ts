/**
 * Flag parsing of `pgqrs schedule …` (schedule-commands.ts): JSON, ISO times and choices checked before anything is
 * read; the library's VALIDATION_FAILED turned into a usage error naming the flag; a missing schedule's error with
 * the command that lists the names.
 */
import { isPgqrsError, PgqrsError } from "../../errors.js";
import { UsageError } from "../cli-errors.js";
import type { CommandContext } from "../command.js";

/** A JSON flag's value, or a usage error showing how to quote it. */
export function jsonFlag(ctx: CommandContext, flag: string): unknown {
  const text = ctx.flags.string(flag);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`--${flag} must be JSON, got '${text}' (quote it: '{"report":"daily"}')`, "schedule create");
  }
}

export function timeFlag(ctx: CommandContext, flag: string): Date | undefined {
  const text = ctx.flags.string(flag);
  if (text === undefined) return undefined;
  const d = new Date(text);
  if (Number.isNaN(d.getTime())) {
    throw new UsageError(
      `--${flag} must be an ISO time such as 2026-01-01T00:00:00Z, got '${text}'`,
      "schedule create",
    );
  }
  return d;
}

export function choiceFlag<T extends string>(ctx: CommandContext, flag: string, allowed: readonly T[]): T | undefined {
  const value = ctx.flags.string(flag);
  if (value === undefined) return undefined;
  const found = allowed.find((a) => a === value);
  if (found === undefined) {
    throw new UsageError(`--${flag} takes ${allowed.join(", ")}, got '${value}'`, "schedule create");
  }
  return found;
}

/** The library's option names → the flags that set them, for its VALIDATION_FAILED (`details.argument`). */
const FIELD_FLAGS: Record<string, string> = {
  cron: "--cron",
  timezone: "--timezone",
  workflow: "--workflow",
  queue: "--queue",
  input: "--input",
  payload: "--payload",
  overlap: "--overlap",
  catchUp: "--catch-up",
  startAt: "--start-at",
  endAt: "--end-at",
};

/** The library's refusal of a schedule as a usage error naming the flag (nothing was written). */
export function asUsage(err: unknown): unknown {
  if (!isPgqrsError(err, "VALIDATION_FAILED")) return err;
  const argument = err.details.argument;
  const flag = typeof argument === "string" ? FIELD_FLAGS[argument] : undefined;
  return new UsageError(
    `${err.message}${flag === undefined ? "" : ` (${flag})`}; nothing was created`,
    "schedule create",
  );
}

/** A missing schedule's error, with the command that lists the names there are. */
export function withListHint(err: unknown): unknown {
  if (isPgqrsError(err, "SCHEDULE_NOT_FOUND")) {
    return new PgqrsError(err.code, `${err.message}; see the names with \`pgqrs schedule list\``, {
      cause: err.cause,
      details: err.details,
    });
  }
  return err;
}

export async function named<T>(ctx: CommandContext, act: (name: string) => Promise<T>): Promise<T> {
  try {
    return await act(ctx.args[0] as string);
  } catch (err) {
    throw withListHint(err);
  }
}
