import { PgqrsError } from "../errors.js";
import type { Consumer } from "./consumer.js";

/** The SUSPENDED error a poll or fetch raises when its worker may not take work. */
export function suspendedError(reason: "worker interrupted" | "worker suspended" | "worker stopped"): PgqrsError {
  return new PgqrsError("SUSPENDED", `Operation suspended: ${reason}`, { details: { reason } });
}

/**
 * Before taking work: an `interrupted` worker moves itself to `suspended` and stops; a `suspended` or `stopped`
 * one stops. Throws SUSPENDED with the reason, or WORKER_NOT_FOUND when the row is gone.
 */
export async function assertMayTakeWork(consumer: Consumer): Promise<void> {
  const status = await consumer.status();
  if (status === "interrupted") {
    await consumer.suspend();
    throw suspendedError("worker interrupted");
  }
  if (status === "suspended") throw suspendedError("worker suspended");
  if (status === "stopped") throw suspendedError("worker stopped");
}

/** ready|polling → polling, translating a refusal into the SUSPENDED error of the current state. */
export async function enterPolling(consumer: Consumer): Promise<void> {
  try {
    await consumer.poll();
  } catch (err) {
    if (err instanceof PgqrsError && err.code === "INVALID_STATE_TRANSITION") await assertMayTakeWork(consumer);
    throw err;
  }
}
