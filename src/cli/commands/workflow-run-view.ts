/** How the workflow commands show a run: what it waits for, its steps, its messages and its events. */
import * as pgqrs from "../../index.js";
import type {
  RunEventRecord,
  RunMessageRecord,
  RunWaitingFor,
  StepAttemptError,
  StepRecord,
  Store,
} from "../../index.js";
import { type Column, duration, preview } from "../output.js";
import { idArg } from "../parse-args.js";
import { UsageError } from "../cli-errors.js";

/** A time as `2026-12-02T12:00:00Z` (UTC, whole seconds). */
export function isoSeconds(d: Date): string {
  return `${d.toISOString().slice(0, 19)}Z`;
}

/**
 * One line for what a PAUSED run waits for: `sleeping until 2026-12-02T12:00:00Z`, `message "approval" until …`,
 * `child #42`, `retry of "charge" at …`, `paused until …`; `null` when the run does not wait.
 */
export function describeWait(w: RunWaitingFor | null | undefined): string | null {
  if (w === null || w === undefined) return null;
  const at = w.until === undefined || w.until === null ? null : isoSeconds(new Date(w.until));
  const until = at === null ? "" : ` until ${at}`;
  const named = (prefix: string) => (w.name === undefined ? "" : ` ${prefix}${JSON.stringify(w.name)}`);
  switch (w.kind) {
    case "sleep":
      return `sleeping${until}`;
    case "message":
      return `message ${JSON.stringify(w.topic ?? "")}${until}`;
    case "event":
      return `event${named("")}${until}`;
    case "child":
      return `child #${w.childRunId ?? "?"}`;
    case "retry":
      return `retry${named("of ")}${at === null ? "" : ` at ${at}`}`;
    case "pause":
      return `paused${until}`;
    default:
      return `${String(w.kind)}${until}`;
  }
}

export const STEP_COLUMNS: Column<StepRecord>[] = [
  { header: "STEP", get: (s) => s.stepName },
  { header: "STATUS", get: (s) => s.status },
  { header: "RETRIES", get: (s) => s.retryCount, right: true },
  { header: "STARTED", get: (s) => s.startedAt },
  {
    header: "TOOK",
    get: (s) =>
      s.completedAt === null || s.startedAt === null ? "-" : duration(s.completedAt.getTime() - s.startedAt.getTime()),
  },
  { header: "RETRY AT", get: (s) => s.retryAt },
  { header: "KIND", get: (s) => s.kind },
  { header: "OUTPUT / ERROR", get: (s) => preview(s.status === "ERROR" || s.error !== null ? s.error : s.output, 50) },
];

/** One failed attempt of a step, for the attempt errors table. */
export type StepAttemptRow = StepAttemptError & { stepName: string };

/** The failed attempts of `steps`, step by step, oldest first. */
export function attemptErrorRows(steps: readonly StepRecord[]): StepAttemptRow[] {
  return steps.flatMap((s) => s.attemptErrors.map((e) => ({ ...e, stepName: s.stepName })));
}

/** A stored step error in one line: `TypeError: fetch failed`, or its JSON when it has no code and message. */
export function errorLine(error: unknown): string {
  const e = (error ?? {}) as { code?: unknown; message?: unknown };
  return typeof e.code === "string" && typeof e.message === "string" ? `${e.code}: ${e.message}` : preview(error, 70);
}

export const ATTEMPT_ERROR_COLUMNS: Column<StepAttemptRow>[] = [
  { header: "STEP", get: (a) => a.stepName },
  { header: "ATTEMPT", get: (a) => a.attempt, right: true },
  { header: "FAILED AT", get: (a) => a.at },
  { header: "ERROR", get: (a) => errorLine(a.error) },
];

export const MESSAGE_COLUMNS: Column<RunMessageRecord>[] = [
  { header: "MESSAGE", get: (m) => m.id, right: true },
  { header: "TOPIC", get: (m) => m.topic },
  { header: "CREATED", get: (m) => m.createdAt },
  { header: "FROM", get: (m) => (m.senderRunId === null ? "outside" : `run #${m.senderRunId}`) },
  { header: "RECEIVED", get: (m) => m.consumedAt },
  { header: "BY STEP", get: (m) => m.consumedByStep },
  { header: "KEY", get: (m) => m.idempotencyKey },
  { header: "PAYLOAD", get: (m) => preview(m.payload, 50) },
];

export const EVENT_COLUMNS: Column<RunEventRecord>[] = [
  { header: "EVENT", get: (e) => e.key },
  { header: "UPDATED", get: (e) => e.updatedAt },
  { header: "VALUE", get: (e) => preview(e.value, 60) },
];

/** The run `raw` names (a run id, or with `byMessage` its trigger message's id); RUN_NOT_FOUND otherwise. */
export async function findRun(store: Store, raw: string | undefined, byMessage: boolean, command: string) {
  const id = idArg(raw, byMessage ? "message id" : "run id", command);
  const runs = store.tables().workflowRuns();
  const run = byMessage ? await runs.getByMessageId(id) : await runs.get(id);
  if (run === null) {
    throw new pgqrs.PgqrsError(
      "RUN_NOT_FOUND",
      byMessage ? `No run for message ${id} yet (no worker has picked it up)` : `Run with id '${id}' not found`,
      { details: byMessage ? { messageId: id } : { runId: id } },
    );
  }
  return run;
}

/** The `workflow runs` table: one row per run of a `listRuns` page. */
export const RUN_SUMMARY_COLUMNS: Column<pgqrs.RunSummary>[] = [
  { header: "RUN", get: (r) => r.id, right: true },
  { header: "MESSAGE", get: (r) => r.messageId, right: true },
  { header: "STATUS", get: (r) => r.status },
  { header: "WAITING FOR", get: (r) => describeWait(r.waitingFor) },
  { header: "CREATED", get: (r) => r.createdAt },
  {
    header: "TOOK",
    get: (r) => (r.completedAt === null ? "-" : duration(r.completedAt.getTime() - r.createdAt.getTime())),
  },
  { header: "WORKER", get: (r) => r.workerId },
  { header: "ATTEMPTS", get: (r) => r.attempts, right: true },
  { header: "OUTPUT / ERROR", get: (r) => preview(r.status === "ERROR" ? r.error : r.output, 50) },
];

const AGE = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;
const AGE_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A `--since`/`--until` value: an ISO time (`2026-12-01T09:00:00Z`) or an age before `now` (`90s`, `15m`, `2h`,
 * `7d`). UsageError otherwise.
 */
export function timeFlag(raw: string | undefined, flag: string, now: Date, command: string): Date | undefined {
  if (raw === undefined) return undefined;
  const age = AGE.exec(raw.trim());
  if (age !== null) return new Date(now.getTime() - Number(age[1]) * (AGE_MS[age[2]!] ?? 0));
  const at = /^\d{4}-\d{2}-\d{2}/.test(raw) ? new Date(raw) : new Date(Number.NaN);
  if (Number.isNaN(at.getTime())) {
    throw new UsageError(
      `--${flag} takes an ISO time (2026-12-01T09:00:00Z) or an age (15m, 2h, 7d); got '${raw}'`,
      command,
    );
  }
  return at;
}

/**
 * One page of `listRuns`, after skipping `offset` runs (the `--offset` flag, from before cursors): the skipped runs
 * are paged over, 1,000 at a time.
 */
export async function runsAfterOffset(
  admin: pgqrs.Admin,
  options: pgqrs.ListRunsOptions,
  offset: number,
): Promise<pgqrs.RunPage> {
  let left = offset;
  let cursor = options.cursor;
  while (left > 0) {
    const skipped = await admin.listRuns({
      ...options,
      limit: Math.min(left, 1_000),
      ...(cursor === undefined ? {} : { cursor }),
    });
    left -= skipped.runs.length;
    if (skipped.nextCursor === null) return { runs: [], nextCursor: null };
    cursor = skipped.nextCursor;
  }
  return admin.listRuns({ ...options, ...(cursor === undefined ? {} : { cursor }) });
}
