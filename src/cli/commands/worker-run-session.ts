/** `pgqrs worker run`'s serving: one consumer per workflow or queue, signals, and the clean stop. */
import { hostname } from "node:os";
import * as pgqrs from "../../index.js";
import type {
  Consumer,
  MessageContext,
  MessageHandler,
  PollLoopEnd,
  QueueMessage,
  Store,
  WorkflowDefinition,
} from "../../index.js";
import type { RetryOptions } from "../../queue-controls-types.js";

/** How often a suspended worker's status is read while waiting for `pgqrs worker resume`, ms. */
const RESUME_CHECK_MS = 250;

/** What {@link WorkerRunSession.stop} reports: the workers stopped, the loops that failed. */
export interface WorkerRunEnd {
  stopped: number[];
  handled: Record<string, number>;
  /** `signal` when SIGINT/SIGTERM ended it, `interrupted` when every loop ended on its own. */
  reason: "signal" | "interrupted";
  failed: number;
}

/** The consumers a `worker run` serves and their loops, until a signal or their interruption. */
export class WorkerRunSession {
  readonly #store: Store;
  readonly #concurrency: number;
  readonly #log: (line: string) => void;
  readonly #consumers: Consumer[] = [];
  readonly #loops: Promise<PollLoopEnd>[] = [];
  readonly #counts = new Map<string, number>();
  #stopping = false;
  #unwatch: (() => void) | undefined;

  /** `log`: one line of progress (timestamped by the caller). */
  constructor(store: Store, concurrency: number, log: (line: string) => void) {
    this.#store = store;
    this.#concurrency = concurrency;
    this.#log = log;
  }

  /** Write one line of progress. */
  log(line: string): void {
    this.#log(line);
  }

  /** Report a loop's or a shutdown's error as a log line. */
  readonly onError = (err: unknown): void => this.#log(`error: ${err instanceof Error ? err.message : String(err)}`);

  /** Create the workflow if missing and serve it with a consumer of its own. */
  async serveWorkflow(def: WorkflowDefinition): Promise<void> {
    const store = this.#store;
    await pgqrs.workflow().name(def).create(store);
    const consumer = await this.#register(def.name);
    const start = () =>
      pgqrs.workflow().name(def).consumer(consumer).concurrency(this.#concurrency).onError(this.onError).poll(store);
    this.#loops.push(this.#serve(consumer, start));
    this.#log(`serving workflow '${def.name}' as worker ${consumer.id} (concurrency ${this.#concurrency})`);
  }

  /** Serve `queue` with `handler` (and `retry` over the queue's own policy) with a consumer of its own. */
  async serveQueue(queue: string, handler: MessageHandler, retry: RetryOptions | undefined): Promise<void> {
    const consumer = await this.#register(queue);
    const counted = async (m: QueueMessage, context: MessageContext) => {
      await handler(m, context);
      this.#counts.set(queue, (this.#counts.get(queue) ?? 0) + 1);
    };
    const start = () => {
      const loop = pgqrs.dequeue().worker(consumer).concurrency(this.#concurrency).onError(this.onError);
      return (retry === undefined ? loop : loop.retry(retry)).handle(counted).poll(this.#store);
    };
    this.#loops.push(this.#serve(consumer, start));
    this.#log(
      `serving queue '${queue}' as worker ${consumer.id} (concurrency ${this.#concurrency}${retryNote(retry)})`,
    );
  }

  /**
   * Catch SIGINT and SIGTERM from now on (call it before anything is registered or printed): the first interrupts
   * the consumers (in-flight work finishes; a loop not started yet never starts), a second exits at once (code
   * 130). {@link untilStopped} ends the watch.
   */
  watchSignals(): void {
    if (this.#unwatch !== undefined) return;
    const stop = (signal: string) => {
      if (this.#stopping) {
        this.#log(`${signal} again: exiting now`);
        process.exit(130);
      }
      this.#stopping = true;
      this.#log(`${signal}: finishing in-flight work…`);
      for (const c of this.#consumers) void c.interrupt().catch(() => undefined);
    };
    const onInt = () => stop("SIGINT");
    const onTerm = () => stop("SIGTERM");
    process.on("SIGINT", onInt);
    process.on("SIGTERM", onTerm);
    this.#unwatch = () => {
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
    };
  }

  /**
   * Wait until every loop has ended (see {@link watchSignals}, which this starts if it was not). Then release what
   * they still hold and stop them.
   */
  async untilStopped(): Promise<WorkerRunEnd> {
    this.watchSignals();
    const ends = await Promise.allSettled(this.#loops);
    this.#unwatch?.();
    const stopped = await this.#shutDown();
    const failed = ends.filter((e) => e.status === "rejected");
    for (const f of failed) this.onError((f as PromiseRejectedResult).reason);
    this.#log(`stopped ${stopped.length} worker(s)`);
    const handled = Object.fromEntries(this.#counts);
    return { stopped, handled, reason: this.#stopping ? "signal" : "interrupted", failed: failed.length };
  }

  /**
   * Undo a start that failed part-way (a workflow or queue that could not be served): stop the loops already
   * started, release what they hold, stop every consumer registered, and end the signal watch.
   */
  async abandon(): Promise<void> {
    this.#stopping = true;
    for (const c of this.#consumers) await c.interrupt().catch(() => undefined);
    await Promise.allSettled(this.#loops);
    this.#unwatch?.();
    await this.#shutDown();
  }

  async #register(what: string): Promise<Consumer> {
    const consumer = await pgqrs.consumer(`${hostname()}-${process.pid}-${what}`, what).create(this.#store);
    this.#consumers.push(consumer);
    return consumer;
  }

  /** Run a loop; a worker suspended by an operator (`pgqrs worker suspend`) waits for `resume` and serves again. */
  async #serve(consumer: Consumer, start: () => Promise<PollLoopEnd>): Promise<PollLoopEnd> {
    while (true) {
      // A signal while the other consumers were being registered: this one never starts.
      if (this.#stopping) return "interrupted";
      try {
        return await start();
      } catch (err) {
        if (this.#stopping) return "interrupted";
        if (!pgqrs.isPgqrsError(err, "SUSPENDED") || err.details.reason !== "worker suspended") throw err;
        this.#log(`worker ${consumer.id} suspended; waiting for \`pgqrs worker resume ${consumer.id}\``);
        let status = await consumer.status();
        while (!this.#stopping && status === "suspended") {
          await new Promise((r) => setTimeout(r, RESUME_CHECK_MS));
          status = await consumer.status();
        }
        if (this.#stopping || status === "stopped") return "interrupted";
        this.#log(`worker ${consumer.id} resumed`);
      }
    }
  }

  /** Release what each consumer still holds and stop it; the ids stopped. */
  async #shutDown(): Promise<number[]> {
    const stopped: number[] = [];
    for (const c of this.#consumers) {
      try {
        await c.releaseMessages(await heldIds(this.#store, c.id));
        if ((await c.status()) !== "suspended") await c.suspend().catch(() => undefined);
        await c.shutdown();
        stopped.push(c.id);
      } catch (err) {
        this.onError(err);
      }
    }
    return stopped;
  }
}

/** Ids of the unarchived messages a worker still holds (normally none after its loop ended). */
async function heldIds(store: Store, workerId: number): Promise<number[]> {
  const held = await store.tables().messages().list({ consumerWorkerId: workerId, state: "active", limit: 10_000 });
  const now = store.clock.now();
  return held.filter((m) => m.vt > now).map((m) => m.id);
}

/** `, retry base 200 ms factor 3 …` for the start line, when the flags override the queues' policies. */
function retryNote(retry: RetryOptions | undefined): string {
  if (retry === undefined) return "";
  return `, retry ${Object.entries(retry)
    .map(([k, v]) => `${k} ${String(v)}`)
    .join(" ")}`;
}
