import type { WorkerStatus } from "../types.js";

/** One operation of the worker state machine: where it may start, where it ends, and why not. */
export interface WorkerTransition {
  readonly from: readonly WorkerStatus[];
  readonly to: WorkerStatus;
  readonly reason: string;
}

/** pgqrs's transition table, with its error reasons. */
export const WORKER_TRANSITIONS = {
  poll: { from: ["ready", "polling"], to: "polling", reason: "Worker must be Ready to start polling" },
  completePoll: { from: ["polling"], to: "ready", reason: "Worker must be in Polling state to complete polling" },
  interrupt: { from: ["polling"], to: "interrupted", reason: "Worker must be in Polling state to be interrupted" },
  suspend: {
    from: ["ready", "polling", "interrupted"],
    to: "suspended",
    reason: "Worker must be Ready, Polling, or Interrupted to suspend",
  },
  resume: { from: ["suspended"], to: "ready", reason: "Worker must be in Suspended state to resume" },
  shutdown: { from: ["suspended"], to: "stopped", reason: "Worker must be in Suspended state to shutdown" },
} as const satisfies Record<string, WorkerTransition>;

export type WorkerOperation = keyof typeof WORKER_TRANSITIONS;
