import { ValidationError } from "../errors.js";
import { asWorkflowNotCreated } from "../workflow-not-created.js";
import type { Consumer } from "../queue/consumer.js";
import type { Producer } from "../queue/producer.js";
import type { WorkflowDefinition } from "../workflow/definition.js";
import {
  checkWorkflowWorkerOptions,
  serveWorkflow,
  WorkflowWorker,
  type WorkflowWorkerOptions,
} from "../workflow/workflow-worker.js";
import type { Store } from "./pgqrs-store.js";
import type { SwapHint } from "./worker-registration.js";

/** `pgqrs.producer(name, queue).create(store)`: register a named producer. */
export class ProducerBuilder {
  readonly #name: string;
  readonly #queue: string;
  readonly #hint: SwapHint;

  /**
   * A builder of producer `name` on `queue`; `hint` (internal) words the QUEUE_NOT_FOUND of swapped arguments. Use
   * `pgqrs.producer(name, queue)`.
   */
  constructor(name: string, queue: string, hint?: SwapHint) {
    this.#name = name;
    this.#queue = queue;
    this.#hint = hint;
  }

  /** Register the producer. QUEUE_NOT_FOUND names a swap of `(name, queue)` when the name is an existing queue. */
  create(store: Store): Promise<Producer> {
    return store.producerFor(this.#queue, this.#name, this.#hint);
  }
}

/** `pgqrs.consumer(name, queue)` or `pgqrs.consumer(host, port, queue)` (named `host:port`). */
export class ConsumerBuilder {
  /** The consumer's worker name (`host:port` in the three-argument form). */
  readonly name: string;
  /** The name of the queue it consumes. */
  readonly queue: string;
  readonly #hint: SwapHint;

  /**
   * A builder of consumer `name` on `queue`; `hint` (internal) words the QUEUE_NOT_FOUND of swapped arguments. Use
   * `pgqrs.consumer(name, queue)`.
   */
  constructor(name: string, queue: string, hint?: SwapHint) {
    this.name = name;
    this.queue = queue;
    this.#hint = hint;
  }

  /** Register the consumer. QUEUE_NOT_FOUND names a swap of `(name, queue)` when the name is an existing queue. */
  create(store: Store): Promise<Consumer> {
    return store.consumerFor(this.queue, this.name, this.#hint);
  }

  /** Serve a workflow with this consumer: `.handler(def).create(store)` registers it and starts the loop. */
  handler<I, O>(def: WorkflowDefinition<I, O>, options: WorkflowWorkerOptions = {}): WorkflowWorkerStarter {
    return new WorkflowWorkerStarter(this, def as WorkflowDefinition, options);
  }
}

/** Registers a consumer and starts serving a workflow with it. */
export class WorkflowWorkerStarter {
  readonly #builder: ConsumerBuilder;
  readonly #def: WorkflowDefinition;
  readonly #options: WorkflowWorkerOptions;

  /** Serve `def` with the consumer `builder` registers, with `options`. Use `consumer(..).handler(def, options)`. */
  constructor(builder: ConsumerBuilder, def: WorkflowDefinition, options: WorkflowWorkerOptions) {
    this.#builder = builder;
    this.#def = def;
    this.#options = options;
  }

  /** Register the consumer and start serving; returns the running worker (await it, or `interrupt()` it). */
  async create(store: Store): Promise<WorkflowWorker> {
    // Checked before the consumer registers: bad options write nothing.
    checkWorkflowWorkerOptions(this.#options);
    // The workflow's queue is missing: the workflow was never created; say so, and how to create it.
    const consumer = await this.#builder.create(store).catch((err: unknown) => {
      throw asWorkflowNotCreated(err, this.#def.name);
    });
    return new WorkflowWorker(consumer, serveWorkflow(store.context, this.#def, consumer, this.#options));
  }
}

/** Start a builder of producer `name` on `queue`: `producer(name, queue).create(store)`. */
export function producer(name: string, queue: string): ProducerBuilder;
/**
 * Start a builder of a producer on `queue` named `host:port` (pgqrs's form). VALIDATION_FAILED when `queue` is
 * missing.
 */
export function producer(host: string, port: number, queue: string): ProducerBuilder;
/** Implementation of the two overloads above. */
export function producer(nameOrHost: string, portOrQueue: number | string, maybeQueue?: string): ProducerBuilder {
  const [name, queue] = hostPortName(nameOrHost, portOrQueue, maybeQueue);
  return new ProducerBuilder(name, queue, maybeQueue === undefined ? builderHint("producer") : undefined);
}

/** Start a builder of consumer `name` on `queue`: `consumer(name, queue).create(store)`. */
export function consumer(name: string, queue: string): ConsumerBuilder;
/**
 * Start a builder of a consumer on `queue` named `host:port` (pgqrs's form). VALIDATION_FAILED when `queue` is
 * missing.
 */
export function consumer(host: string, port: number, queue: string): ConsumerBuilder;
/** Implementation of the two overloads above. */
export function consumer(nameOrHost: string, portOrQueue: number | string, maybeQueue?: string): ConsumerBuilder {
  const [name, queue] = hostPortName(nameOrHost, portOrQueue, maybeQueue);
  return new ConsumerBuilder(name, queue, maybeQueue === undefined ? builderHint("consumer") : undefined);
}

/** The `(name, queue)` form of the builders: the call with the two strings in their places. */
function builderHint(kind: "consumer" | "producer"): SwapHint {
  return (queue, name) => `pgqrs.${kind}(${JSON.stringify(name)}, ${JSON.stringify(queue)})`;
}

function hostPortName(nameOrHost: string, portOrQueue: number | string, maybeQueue?: string): [string, string] {
  if (typeof portOrQueue === "number") {
    if (maybeQueue === undefined) {
      throw new ValidationError("(host, port, queue) form needs a queue name");
    }
    return [`${nameOrHost}:${portOrQueue}`, maybeQueue];
  }
  return [nameOrHost, portOrQueue];
}
