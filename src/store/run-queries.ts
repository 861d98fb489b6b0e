/**
 * The Store contract of run queries (issue 16): one page of runs, newest first, for `admin(store).listRuns`, the
 * CLI's `workflow runs` and the dashboard. Keyset-paged: a page starts strictly after the last row of the previous
 * one in the order (`created_at` DESC, `id` DESC), so runs created while a caller pages never shift a page (no
 * duplicates, no gaps), and each page is one index walk that stops after `limit` rows, however many runs exist.
 */
import type { RunRecord, WorkflowStatus } from "../types.js";

/**
 * Which runs a listing returns. Every field narrows it (AND); absent fields do not. New filters are added here and
 * to each backend's list of filter clauses (`postgres-run-queries.ts`, `sqlite-run-queries.ts`).
 */
export interface RunQueryFilter {
  workflowId?: number;
  status?: WorkflowStatus;
  /** Runs created at or after this time. */
  since?: Date;
  /** Runs created before this time. */
  until?: Date;
  /** Runs of this workflow version (`RunRecord.version`). */
  version?: string;
}

/**
 * Where a page of runs stands in the order: a row's `created_at` in the backend's own exact text form (so a
 * timestamp with more precision than a Date, or in another program's format, compares exactly) and its id.
 */
export interface RunPageKey {
  at: string;
  id: number;
}

export interface ListRunsPageParams extends RunQueryFilter {
  /** Rows to return at most (the engine validates it). */
  limit: number;
  /** Return only runs after this key in the order (older, or as old with a smaller id); absent: from the newest. */
  after?: RunPageKey;
}

/** One run of a page, with its workflow's name and its place in the order. */
export interface RunPageRow {
  run: RunRecord;
  /** The name of the run's workflow definition (`""` when the definition row is gone). */
  workflowName: string;
  key: RunPageKey;
}

export interface RunQueryOps {
  /**
   * Runs matching the filter, newest first (`created_at` DESC, `id` DESC), after `after`, at most `limit`, in one
   * statement that reads them through an index (never a scan of every run). VALIDATION_FAILED for a key whose
   * `at` is not a timestamp.
   */
  listRunsPage(p: ListRunsPageParams): Promise<RunPageRow[]>;
}
