/**
 * The dashboard's writes, each through the library's public API: cancel a run, send a run a message, retry, resume
 * or fork a run, replay a dead letter, update a queue's settings, move a worker through its lifecycle, reclaim zombies;
 * a queue's enqueue, purge and bulk replay are in queue-actions.ts. Every action answers with a sentence for the UI.
 */
import type { Admin } from "../admin/admin.js";
import type { Store } from "../api/pgqrs-store.js";
import { workflow } from "../api/workflow-builder.js";
import { isPgqrsError, PgqrsError } from "../errors.js";
import { send } from "../api/run-messaging.js";
import { QueueActions } from "./queue-actions.js";
import { settingsFromForm } from "./queue-settings-form.js";
import { type ScheduleAction, scheduleAction } from "./schedule-actions.js";

export type WorkerAction = "suspend" | "resume" | "shutdown";
export const WORKER_ACTIONS: readonly WorkerAction[] = ["suspend", "resume", "shutdown"];

export interface ActionResult {
  ok: boolean;
  message: string;
  /** The target does not exist (answered 404). */
  missing?: boolean;
  /** The form's input is malformed (answered 400). */
  invalid?: boolean;
  /** A page of this dashboard the outcome is shown on (a fork's new run): linked from the toast. */
  location?: string;
  /** The PgqrsError code of a refusal (e.g. `VALIDATION_FAILED`), for scripts; the message names it too. */
  code?: string;
  /** How many items a bulk action handled (dead letters replayed). */
  count?: number;
}

/** Runs that take no more messages. */
const FINISHED_RUNS = new Set(["SUCCESS", "ERROR", "CANCELLING", "CANCELLED"]);

export class DashboardActions {
  readonly #store: Store;
  readonly #admin: Admin;
  /** Enqueue, purge and bulk dead-letter replay of a queue (queue-actions.ts). */
  readonly queue: QueueActions;

  constructor(store: Store, adminApi: Admin) {
    this.#store = store;
    this.#admin = adminApi;
    this.queue = new QueueActions(store, adminApi);
  }

  async cancelRun(runId: number): Promise<ActionResult> {
    const tables = this.#store.tables();
    const run = await tables.workflowRuns().get(runId);
    if (run === null) return { ok: false, missing: true, message: `Run ${runId} not found` };
    const wf = await tables.workflows().get(run.workflowId);
    if (wf === null) return { ok: false, message: `Workflow of run ${runId} not found` };
    const after = await workflow(wf.name).cancel(run.messageId, this.#store);
    return { ok: true, message: `Run ${runId} is ${after.status.toLowerCase()}` };
  }

  /**
   * Send a message to a run (as `pgqrs.send` does from outside), from the form's topic and JSON payload text. A
   * missing run, an empty topic, a payload that is not JSON and a finished run are refused with nothing written.
   */
  async sendMessage(runId: number, topic: string, payloadText: string): Promise<ActionResult> {
    const run = await this.#store.tables().workflowRuns().get(runId);
    if (run === null) return { ok: false, missing: true, message: `Run ${runId} not found` };
    if (topic === "") return { ok: false, invalid: true, message: "A message needs a topic" };
    let payload: unknown;
    try {
      payload = JSON.parse(payloadText);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      return { ok: false, invalid: true, message: `The payload is not valid JSON (${why}); nothing was sent` };
    }
    if (FINISHED_RUNS.has(run.status)) {
      return {
        ok: false,
        message: `Run ${runId} is ${run.status.toLowerCase()}: a finished run takes no messages; nothing was sent`,
      };
    }
    try {
      const sent = await send(this.#store, runId, topic, payload);
      return { ok: true, message: `Message ${sent.id} ("${topic}") sent to run ${runId}` };
    } catch (err) {
      if (isPgqrsError(err, "VALIDATION_FAILED")) return { ok: false, invalid: true, message: err.message };
      throw err;
    }
  }

  /** `admin.retryRun`: an ERROR or CANCELLED run back to work. Refusals (wrong state) write nothing. */
  async retryRun(runId: number): Promise<ActionResult> {
    return this.#runOperation(async () => {
      const after = await this.#admin.retryRun(runId);
      return { ok: true, message: `Run ${runId} is ${after.status.toLowerCase()}: it runs again from its failed step` };
    });
  }

  /** `admin.resumeRun`: a PAUSED run wakes now. Refusals (wrong state) write nothing. */
  async resumeRun(runId: number): Promise<ActionResult> {
    return this.#runOperation(async () => {
      const after = await this.#admin.resumeRun(runId);
      return { ok: true, message: `Run ${runId} resumes now (${after.status.toLowerCase()})` };
    });
  }

  /** `admin.forkRun`: a new run from step `fromStep` of run `runId`, linked in the answer. Refusals write nothing. */
  async forkRun(runId: number, fromStep: string): Promise<ActionResult> {
    if (fromStep === "") return { ok: false, invalid: true, message: "Choose the step to fork from" };
    return this.#runOperation(async () => {
      const fork = await this.#admin.forkRun(runId, { fromStep });
      return {
        ok: true,
        message: `Run ${runId} forked from step "${fromStep}": new run #${fork.id}`,
        location: `/runs/${fork.id}`,
      };
    });
  }

  /** The operation's refusals as answers: 404 for an unknown run, 400 for bad input, 409 for a wrong state. */
  async #runOperation(act: () => Promise<ActionResult>): Promise<ActionResult> {
    try {
      return await act();
    } catch (err) {
      if (isPgqrsError(err, "RUN_NOT_FOUND")) return { ok: false, missing: true, message: err.message };
      if (isPgqrsError(err, "VALIDATION_FAILED")) return { ok: false, invalid: true, message: err.message };
      if (isPgqrsError(err, "INVALID_STATE_TRANSITION")) return { ok: false, message: err.message };
      throw err;
    }
  }

  /**
   * `admin.updateQueue` from the queue page's settings form (every field; an empty one clears its setting). A form
   * that cannot be read and values the library refuses answer 400, naming the field, with nothing written.
   */
  async updateQueueSettings(queueId: number, form: URLSearchParams): Promise<ActionResult> {
    const queue = await this.#store.tables().queues().get(queueId);
    if (queue === null) return { ok: false, missing: true, message: `Queue ${queueId} not found` };
    const read = settingsFromForm(form);
    if ("invalid" in read) return { ok: false, invalid: true, message: `${read.invalid}; nothing was changed` };
    try {
      await this.#admin.updateQueue(queue.queueName, read.settings);
    } catch (err) {
      if (isPgqrsError(err, "VALIDATION_FAILED")) {
        return { ok: false, invalid: true, message: `${err.message}; nothing was changed` };
      }
      if (isPgqrsError(err, "QUEUE_NOT_FOUND")) return { ok: false, missing: true, message: err.message };
      throw err;
    }
    return { ok: true, message: `Settings of ${queue.queueName} updated` };
  }

  async replayDeadLetter(queueId: number, messageId: number): Promise<ActionResult> {
    const queue = await this.#store.tables().queues().get(queueId);
    if (queue === null) return { ok: false, missing: true, message: `Queue ${queueId} not found` };
    const replayed = await this.#admin.replayDlq(queue, messageId);
    if (replayed === null)
      return { ok: false, message: `Message ${messageId} is not a dead letter of ${queue.queueName}` };
    return { ok: true, message: `Message ${messageId} is back on ${queue.queueName}` };
  }

  /** Suspend, resume or shut down any worker by id (an operator action; it never heartbeats that worker). */
  async worker(id: number, action: WorkerAction): Promise<ActionResult> {
    const record = await this.#store.tables().workers().get(id);
    if (record === null) return { ok: false, missing: true, message: `Worker ${id} not found` };
    const after = await this.#admin.transitionWorker(id, action);
    return { ok: true, message: `Worker ${after.name} is ${after.status}` };
  }

  /** Pause, resume or fire now the schedule named `name` (see schedule-actions.ts). */
  async schedule(name: string, action: ScheduleAction): Promise<ActionResult> {
    return scheduleAction(this.#admin, name, action);
  }

  /** Release the messages of every zombie worker (default threshold) and stop them, queue by queue. */
  async reclaimZombies(): Promise<ActionResult> {
    const zombies = await this.#admin.listZombies();
    const queueIds = [...new Set(zombies.map((z) => z.queueId).filter((q): q is number => q !== null))];
    let released = 0;
    for (const queueId of queueIds) released += await this.#admin.reclaimMessages(queueId);
    return {
      ok: true,
      message: `Reclaimed ${zombies.length} zombie worker${zombies.length === 1 ? "" : "s"}; ${released} message${released === 1 ? "" : "s"} released`,
    };
  }
}

/** A failure the UI can show as is (a refused transition, a finished run), as opposed to a bug. */
export function describeFailure(err: unknown): ActionResult | null {
  if (err instanceof PgqrsError) return { ok: false, message: err.message };
  return null;
}
