/**
 * `admin(store).listRuns` and `admin(store).listSteps`: pages of runs with stable fields, newest first, and the
 * steps of a run. Arguments are checked here (VALIDATION_FAILED before anything is read); the page itself is one
 * store statement (store/run-queries.ts) that reads through an index, whatever the number of runs.
 *
 * Cursors are opaque strings: base64url of `[at, id]`, the last row's place in the order (`at` its created_at as
 * the backend stores it). A page after a cursor starts strictly after that row, so runs created while a caller
 * pages appear on no later page and never shift one: every run that existed when paging began is listed once.
 */
import { PgqrsError, ValidationError } from "../errors.js";
import type { RunWaitingFor } from "../store/run-primitives.js";
import type { RunPageKey, RunPageRow } from "../store/run-queries.js";
import { type StepRecord, WORKFLOW_STATUSES, type WorkflowStatus } from "../types.js";
import { assertCount, assertOptionalOneOf } from "../validation/arguments.js";
import { assertOptionalDate } from "../validation/time-arguments.js";
import type { EngineContext } from "../workers/engine-context.js";
import { triggerInput } from "../workflow/workflow-handler.js";
import { assertVersion } from "../workflow/workflow-versions.js";
import { getRunRecord } from "./run-inspection.js";

/** Runs per page when `limit` is not given. */
export const DEFAULT_RUNS_LIMIT = 50;
/** Most runs one page may hold. */
export const MAX_RUNS_LIMIT = 1_000;

/** Options of `admin(store).listRuns`. Every given field narrows the listing. */
export interface ListRunsOptions {
  /** Only runs of the workflow of this name (WORKFLOW_NOT_FOUND when there is none). */
  workflow?: string;
  /** Only runs in this status. */
  status?: WorkflowStatus;
  /** Only runs created at or after this time (the store clock's time). */
  since?: Date;
  /** Only runs created before this time (the store clock's time). */
  until?: Date;
  /** Runs per page, from 1 to 1,000; default 50. */
  limit?: number;
  /** The `nextCursor` of the previous page, to read the page after it; absent: the newest runs. */
  cursor?: string;
  /** Only runs of this workflow version (1 to 64 characters; see `defineWorkflow({ version })`). */
  version?: string;
}

/** A run as `listRuns` shows it: stable fields only, times of the store's clock. */
export interface RunSummary {
  /** The run's id. */
  id: number;
  /** The workflow's name. */
  workflow: string;
  /** The run's trigger message (what `workflow result`, `workflow cancel` and `run().message(…)` take). */
  messageId: number;
  /** The run's status (QUEUED, RUNNING, PAUSED, CANCELLING, SUCCESS, ERROR or CANCELLED). */
  status: WorkflowStatus;
  /** The workflow's input (the `input` of the trigger payload `{ input }`). */
  input: unknown;
  /** The workflow's result once SUCCESS, else `null`. */
  output: unknown;
  /** Why the run failed (ERROR, or a cancellation's reason), else `null`. */
  error: unknown;
  /** When the run was created (triggered). */
  createdAt: Date;
  /** First start by a worker; `null` until then. */
  startedAt: Date | null;
  /** When the run reached SUCCESS, ERROR or CANCELLED; `null` before. */
  completedAt: Date | null;
  /** The worker that last started the run; `null` until one did. */
  workerId: number | null;
  /** How many times a worker started the run (first start and each restart after a pause, retry or crash). */
  attempts: number;
  /** What a PAUSED run waits for (with `until`, a Date); `null` when it does not wait. */
  waitingFor: RunWaitingFor | null;
  /** The workflow version that triggered the run; `null` for a run without one. */
  version: string | null;
}

/** One page of `listRuns`. */
export interface RunPage {
  /** Newest first (by creation time, then id). */
  runs: RunSummary[];
  /** Pass as `cursor` to read the next page; `null` when this page is the last. */
  nextCursor: string | null;
}

function badCursor(detail: string): never {
  throw new ValidationError(`cursor must be a nextCursor that listRuns returned (${detail})`, { argument: "cursor" });
}

/** The cursor after `key`. */
export function encodeRunCursor(key: RunPageKey): string {
  return Buffer.from(JSON.stringify([key.at, key.id]), "utf8").toString("base64url");
}

/** The key of a cursor; VALIDATION_FAILED for anything `encodeRunCursor` cannot have produced. */
export function decodeRunCursor(cursor: unknown): RunPageKey {
  if (typeof cursor !== "string" || cursor.length === 0 || cursor.length > 200 || !/^[A-Za-z0-9_-]+$/.test(cursor)) {
    badCursor(`got ${typeof cursor === "string" ? JSON.stringify(cursor.slice(0, 40)) : String(cursor)}`);
  }
  let parsed: unknown;
  try {
    const bytes = Buffer.from(cursor, "base64url");
    // Decoding ignores stray trailing characters; a cursor must be exactly what encodeRunCursor wrote.
    if (bytes.toString("base64url") !== cursor) throw new Error("not canonical");
    parsed = JSON.parse(bytes.toString("utf8"));
  } catch {
    badCursor("not readable");
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) badCursor("not readable");
  const [at, id] = parsed as unknown[];
  if (typeof id !== "number" || !Number.isSafeInteger(id) || id < 1) badCursor("bad run id");
  // The stored timestamp forms: `YYYY-MM-DD HH:MM:SS[.ffffff]` (SQLite) and `YYYY-MM-DDTHH:MM:SS.ffffffZ` (PostgreSQL).
  const form = /^(\d{4,5})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?Z?$/;
  if (typeof at !== "string" || !form.test(at) || Number.isNaN(Date.parse(`${at.slice(0, 19).replace(" ", "T")}Z`))) {
    badCursor("bad time");
  }
  return { at: at as string, id: id as number };
}

function toSummary(row: RunPageRow): RunSummary {
  const r = row.run;
  return {
    id: r.id,
    workflow: row.workflowName,
    messageId: r.messageId,
    status: r.status,
    input: triggerInput(r.input),
    output: r.output,
    error: r.error,
    createdAt: r.createdAt,
    startedAt: r.startedAt,
    completedAt: r.completedAt,
    workerId: r.workerId,
    attempts: r.attempts,
    waitingFor: r.waitingFor,
    version: r.version,
  };
}

/** One page of runs matching `options`, newest first. VALIDATION_FAILED for a bad option, before any read. */
export async function listRuns(ctx: EngineContext, options: ListRunsOptions = {}): Promise<RunPage> {
  if (options === null || typeof options !== "object") {
    throw new ValidationError(
      "listRuns takes an options object ({ workflow, status, since, until, limit, cursor, version })",
    );
  }
  const limit =
    options.limit === undefined
      ? DEFAULT_RUNS_LIMIT
      : assertCount("limit", options.limit, { min: 1, max: MAX_RUNS_LIMIT });
  const status = assertOptionalOneOf("status", options.status, WORKFLOW_STATUSES);
  const since = assertOptionalDate("since", options.since);
  const until = assertOptionalDate("until", options.until);
  const after = options.cursor === undefined ? undefined : decodeRunCursor(options.cursor);
  const version = options.version === undefined ? undefined : assertVersion("version", options.version);
  if (options.workflow !== undefined && (typeof options.workflow !== "string" || options.workflow === "")) {
    throw new ValidationError(`workflow must be a workflow's name, got ${JSON.stringify(options.workflow)}`, {
      argument: "workflow",
    });
  }
  ctx.assertOpen();
  let workflowId: number | undefined;
  if (options.workflow !== undefined) {
    const wf = await ctx.backend.getWorkflowByName(options.workflow);
    if (wf === null) {
      throw new PgqrsError("WORKFLOW_NOT_FOUND", `Workflow '${options.workflow}' not found; create it first`, {
        details: { name: options.workflow },
      });
    }
    workflowId = wf.id;
  }
  const rows = await ctx.backend.listRunsPage({
    limit: limit + 1,
    ...(workflowId === undefined ? {} : { workflowId }),
    ...(status === undefined ? {} : { status }),
    ...(since === undefined ? {} : { since }),
    ...(until === undefined ? {} : { until }),
    ...(after === undefined ? {} : { after }),
    ...(version === undefined ? {} : { version }),
  });
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    runs: page.map(toSummary),
    nextCursor: rows.length > limit && last !== undefined ? encodeRunCursor(last.key) : null,
  };
}

/** The steps of run `runId`, in creation order. RUN_NOT_FOUND for an unknown run. */
export async function listSteps(ctx: EngineContext, runId: number): Promise<StepRecord[]> {
  await getRunRecord(ctx, runId);
  return ctx.backend.listSteps({ runId });
}
