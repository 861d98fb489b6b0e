/**
 * Opening a store, or registering a worker, while PostgreSQL restarts: the server refuses connections (ECONNREFUSED),
 * answers "the database system is starting up" (57P03) or "is shutting down" (57P01/57P02), or is out of slots
 * (53300) for a few seconds. A worker started at that moment would otherwise exit at once; these calls retry such
 * failures with a capped backoff until `connectionTimeoutSeconds` have passed, then fail with CONNECTION_FAILED.
 * Only failures to obtain a connection are retried: no statement was sent, so a retry cannot apply a write twice.
 * Wrong passwords, missing databases and unknown hosts fail at once.
 */
import { PgqrsError } from "../../errors.js";
import type { StoreBackend } from "../store.js";

/** Socket errors of a server that is down or restarting (the host itself resolved). */
const TRANSIENT_SOCKET_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ECONNABORTED",
  "EAI_AGAIN",
]);

/** admin_shutdown, crash_shutdown, cannot_connect_now (starting up, recovery), too_many_connections. */
const TRANSIENT_SQLSTATES = new Set(["57P01", "57P02", "57P03", "53300"]);

/** First pause between attempts, ms; doubled after each failure up to {@link MAX_DELAY_MS}. */
const FIRST_DELAY_MS = 100;
const MAX_DELAY_MS = 1_000;

/** The operation name of a failure to obtain a connection (see `connectionError` and `PostgresConnection.ping`). */
const CONNECT_OPERATION = "connect";

/** True for a CONNECTION_FAILED raised while opening a connection, whose cause says the server will be back. */
export function isTransientConnectFailure(err: unknown): boolean {
  if (!(err instanceof PgqrsError) || err.code !== "CONNECTION_FAILED") return false;
  if (err.details.operation !== CONNECT_OPERATION) return false;
  const code = err.details.code;
  if (typeof code !== "string") return false;
  return (
    TRANSIENT_SOCKET_CODES.has(code) || TRANSIENT_SQLSTATES.has(code) || (code.startsWith("08") && code !== "08P01")
  );
}

/**
 * Run `fn`, retrying its transient connect failures (see {@link isTransientConnectFailure}) with a backoff of
 * 100 ms doubling to 1 s, until `timeoutMs` milliseconds have passed since the first attempt. The last failure is
 * then thrown, CONNECTION_FAILED, with `details.attempts` and `details.retriedForMs`. Other failures are thrown at
 * once. `timeoutMs` 0: one attempt.
 */
export async function retryTransientConnect<T>(fn: () => Promise<T>, timeoutMs: number): Promise<T> {
  const started = Date.now();
  let delay = FIRST_DELAY_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const elapsed = Date.now() - started;
      if (!isTransientConnectFailure(err)) throw err;
      const left = timeoutMs - elapsed;
      if (left <= 0) throw gaveUp(err as PgqrsError<"CONNECTION_FAILED">, attempt, elapsed);
      await new Promise((resolve) => setTimeout(resolve, Math.min(delay, left)));
      delay = Math.min(MAX_DELAY_MS, delay * 2);
    }
  }
}

function gaveUp(last: PgqrsError<"CONNECTION_FAILED">, attempts: number, elapsedMs: number): PgqrsError {
  if (attempts === 1) return last;
  return new PgqrsError(
    "CONNECTION_FAILED",
    `${last.message} (still failing after ${attempts} attempts over ${(elapsedMs / 1000).toFixed(1)} s; ` +
      "raise connectionTimeoutSeconds to wait longer for the server)",
    { cause: last.cause, details: { ...last.details, attempts, retriedForMs: elapsedMs } },
  );
}

type WorkerCreationOps = Pick<StoreBackend, "getQueueByName" | "registerWorker" | "createWorkflow">;

/**
 * `ops`' queue lookup and worker registration (the statements of creating a producer or consumer) and workflow
 * creation (a workflow worker's first statement), retrying transient connect failures as
 * {@link retryTransientConnect} does.
 */
export function retryWorkerCreation(ops: WorkerCreationOps, timeoutMs: number): WorkerCreationOps {
  return {
    getQueueByName: (name) => retryTransientConnect(() => ops.getQueueByName(name), timeoutMs),
    registerWorker: (p) => retryTransientConnect(() => ops.registerWorker(p), timeoutMs),
    createWorkflow: (p) => retryTransientConnect(() => ops.createWorkflow(p), timeoutMs),
  };
}
