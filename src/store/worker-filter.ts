/**
 * The filter of worker lists and counts, and how an ephemeral worker is recognised: by its name, `__ephemeral__`
 * followed by a UUID, the convention pgqrs's Rust and Python packages use too (so their ephemeral rows are
 * recognised as well; they have no flag column to mark them).
 */
import type { WorkerStatus } from "../types.js";

/** Names of ephemeral workers start with this prefix. */
export const EPHEMERAL_WORKER_PREFIX = "__ephemeral__";

/** True when `name` is an ephemeral worker's (`__ephemeral__<uuid>`). */
export function isEphemeralWorkerName(name: string): boolean {
  return name.startsWith(EPHEMERAL_WORKER_PREFIX);
}

/** Which workers a list or count covers. Every field narrows; none given: all workers. */
export interface WorkerFilter {
  /** Only this queue's workers. */
  queueId?: number;
  /** Only workers with this status. */
  status?: WorkerStatus;
  /** Leave out stopped workers. Default false. */
  hideStopped?: boolean;
  /** Leave out ephemeral workers (names starting `__ephemeral__`). Default false. */
  hideEphemeral?: boolean;
}
