/** `pgqrs.send` and `pgqrs.getEvent`: talking to a workflow run from outside it. */
import type { RunMessageRecord } from "../store/run-primitives.js";
import { type GetEventOptions, readEvent } from "../workflow/run-events.js";
import { type SendOptions, sendMessage } from "../workflow/run-messages.js";
import type { Store } from "./pgqrs-store.js";

/**
 * Send `payload` (any JSON value) on `topic` to workflow run `runId`; the run's `run.recv(name, topic)` receives it
 * (messages wait for their `recv`), and a run waiting for it is woken at once. With `idempotencyKey`, a second send
 * to the same run with the same key returns the first message and writes nothing. RUN_NOT_FOUND for an unknown run,
 * INVALID_STATE_TRANSITION for a finished one (SUCCESS, ERROR, CANCELLING, CANCELLED), VALIDATION_FAILED for an
 * empty topic (or longer than 255 characters) or a payload that is not JSON: nothing is written then.
 */
export function send(
  store: Store,
  runId: number,
  topic: string,
  payload: unknown,
  options: SendOptions = {},
): Promise<RunMessageRecord> {
  return sendMessage(store.context, runId, topic, payload, options);
}

/**
 * The value run `runId` set for event `key` (`run.setEvent`), waiting up to `options.timeoutMs` (default 0: read
 * once) for it to be set; `null` when it is not set by then. RUN_NOT_FOUND for an unknown run.
 */
export function getEvent<T = unknown>(
  store: Store,
  runId: number,
  key: string,
  options: GetEventOptions = {},
): Promise<T | null> {
  return readEvent<T>(store.context, runId, key, options);
}
