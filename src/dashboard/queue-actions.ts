/**
 * The queue page's queue-wide writes, each through the library's public API: enqueue a message from a JSON text
 * (`pgqrs.enqueue()`), purge the queue (`admin.purgeQueue`) and replay its dead letters in bulk (`admin.listDlq` and
 * `admin.replayDlq`, one message at a time, bounded per request). Refusals name the PgqrsError code and write
 * nothing.
 */
import type { Admin } from "../admin/admin.js";
import { enqueue } from "../api/enqueue-builder.js";
import type { Store } from "../api/pgqrs-store.js";
import { isPgqrsError, type PgqrsError, ValidationError } from "../errors.js";
import { serializePayload } from "../queue/payload-validation.js";
import type { QueueRecord } from "../types.js";
import type { ActionResult } from "./actions.js";
import { num } from "./format.js";

/** Most dead letters one bulk replay puts back; the rest stay for the next click (the answer says how many). */
export const MAX_BULK_REPLAY = 1_000;
/** Dead letters read per page while replaying in bulk. */
const REPLAY_PAGE = 100;

/** Errors an enqueue answers as bad input (400) rather than as a refusal (409). */
const BAD_INPUT = new Set(["VALIDATION_FAILED", "PAYLOAD_TOO_LARGE"]);

/** What the purge removes, as the confirm dialog and the docs say it. */
export const PURGE_EFFECT =
  "Deletes every message of the queue (pending, delayed, leased, archived and dead letters), the workflow runs " +
  "(with their steps) those messages triggered, and the workers registered on the queue: a consumer of it that " +
  "is still running stops with WORKER_NOT_FOUND. The queue and its settings stay. This cannot be undone.";

export class QueueActions {
  readonly #store: Store;
  readonly #admin: Admin;

  constructor(store: Store, admin: Admin) {
    this.#store = store;
    this.#admin = admin;
  }

  /**
   * Enqueue one message on the queue from the form's `payload` (JSON text) and optional `delay` (whole or
   * fractional seconds, default 0). Text that is not JSON, a payload the store's validation settings refuse and a
   * bad delay answer 400 with the PgqrsError code, with nothing written (not even the dashboard's producer row).
   */
  async enqueueMessage(queueId: number, form: URLSearchParams): Promise<ActionResult> {
    const queue = await this.#queue(queueId);
    if (queue === null) return notFound(queueId);
    const read = readEnqueueForm(form);
    if (read instanceof ValidationError) return refusal(read, "nothing was enqueued");
    try {
      // Checked here first: the enqueue would register the dashboard's producer before it validates the payload.
      serializePayload(read.payload, this.#store.config.validationConfig);
      const [id] = await enqueue().message(read.payload).to(queue.queueName).delay(read.delay).execute(this.#store);
      const when = read.delay === 0 ? "visible now" : `visible in ${read.delay} s`;
      return { ok: true, message: `Message ${id} enqueued on ${queue.queueName} (${when})` };
    } catch (err) {
      if (isPgqrsError(err)) return refusal(err, "nothing was enqueued");
      throw err;
    }
  }

  /** `admin.purgeQueue`: see {@link PURGE_EFFECT}. */
  async purgeQueue(queueId: number): Promise<ActionResult> {
    const queue = await this.#queue(queueId);
    if (queue === null) return notFound(queueId);
    try {
      await this.#admin.purgeQueue(queue);
    } catch (err) {
      if (isPgqrsError(err, "QUEUE_NOT_FOUND")) return notFound(queueId);
      throw err;
    }
    return {
      ok: true,
      message: `Purged ${queue.queueName}: its messages, their workflow runs and its workers are deleted`,
    };
  }

  /**
   * Replay the queue's dead letters (most recent first), up to {@link MAX_BULK_REPLAY} per call, each as
   * `admin.replayDlq` does (read count 0, visible now). One whose dedup key an active message of the queue holds
   * stays dead (CONFLICT) and is counted as skipped; the answer says how many were replayed and how many remain.
   */
  async replayDeadLetters(queueId: number): Promise<ActionResult> {
    const queue = await this.#queue(queueId);
    if (queue === null) return notFound(queueId);
    let replayed = 0;
    let skipped = 0;
    // Every attempt counts against the bound, also one another process got to first (gone from the list).
    let tried = 0;
    while (tried < MAX_BULK_REPLAY) {
      const limit = Math.min(REPLAY_PAGE, MAX_BULK_REPLAY - tried);
      // Replayed rows leave the list; the skipped ones stay in it, ahead of the rest.
      const page = await this.#admin.listDlq(queue, { limit, offset: skipped });
      for (const m of page) {
        tried += 1;
        const outcome = await this.#replayOne(queue, m.id);
        if (outcome === "replayed") replayed += 1;
        else if (outcome === "conflict") skipped += 1;
      }
      if (page.length < limit) break;
    }
    const left = await this.#store.tables().messages().count({ queueId, state: "dead" });
    const parts = [`Replayed ${plural(replayed, "dead letter")} of ${queue.queueName}`];
    if (skipped > 0) parts.push(`${skipped} skipped: an active message holds their dedup key`);
    if (left > 0) parts.push(`${plural(left, "dead letter")} left`);
    return { ok: true, message: parts.join("; "), count: replayed };
  }

  /** `null` when another process replayed (or deleted) it meanwhile. */
  async #replayOne(queue: QueueRecord, id: number): Promise<"replayed" | "conflict" | null> {
    try {
      return (await this.#admin.replayDlq(queue, id)) === null ? null : "replayed";
    } catch (err) {
      if (isPgqrsError(err, "CONFLICT")) return "conflict";
      throw err;
    }
  }

  #queue(id: number): Promise<QueueRecord | null> {
    return this.#store.tables().queues().get(id);
  }
}

/** The payload and delay of the enqueue form, or why they cannot be read (VALIDATION_FAILED, nothing written). */
export function readEnqueueForm(form: URLSearchParams): { payload: unknown; delay: number } | ValidationError {
  const text = form.get("payload") ?? "";
  if (text.trim() === "") return new ValidationError("The payload is empty: write a JSON value, e.g. {}");
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return new ValidationError(`The payload is not valid JSON (${why})`);
  }
  const delayText = (form.get("delay") ?? "").trim();
  const delay = delayText === "" ? 0 : Number(delayText);
  if (!Number.isFinite(delay)) {
    return new ValidationError(`The delay must be a number of seconds (or empty), got '${delayText.slice(0, 40)}'`);
  }
  return { payload, delay };
}

function refusal(err: PgqrsError, nothing: string): ActionResult {
  const bad = BAD_INPUT.has(err.code);
  return {
    ok: false,
    code: err.code,
    // The code says it already: "VALIDATION_FAILED: Validation failed: …" would say it twice.
    message: `${err.code}: ${err.message.replace(/^Validation failed: /, "")}; ${nothing}`,
    ...(bad ? { invalid: true } : err.code === "QUEUE_NOT_FOUND" ? { missing: true } : {}),
  };
}

/** `1 dead letter`, `1,200 dead letters`. */
function plural(n: number, what: string): string {
  return `${num(n)} ${what}${n === 1 ? "" : "s"}`;
}

function notFound(queueId: number): ActionResult {
  return { ok: false, missing: true, code: "QUEUE_NOT_FOUND", message: `Queue ${queueId} not found` };
}
