/**
 * The arguments that register a producer or consumer: the queue, then the worker's name as an options object
 * (`store.consumer("emails", { name: "worker-1" })`) or, as pgqrs has it, a second string. Two strings in a row are
 * easy to swap (and `pgqrs.consumer(name, queue)` takes them in the other order), so when a positional call names a
 * queue that does not exist while its worker name is an existing queue, the QUEUE_NOT_FOUND says so and shows the
 * call that was probably meant.
 */
import { PgqrsError, ValidationError } from "../errors.js";

/** Options of `store.consumer(queue, options)`. */
export interface ConsumerOptions {
  /** The worker's name (any non-empty string without NUL). Default `<hostname>-<uuid>`. */
  name?: string;
}

/** Options of `store.producer(queue, options)`. */
export interface ProducerOptions {
  /** The worker's name (any non-empty string without NUL). Default `<hostname>-<uuid>`. */
  name?: string;
}

/**
 * How to write the call the user probably meant, given the queue and the worker name in their right places;
 * `undefined` when the form of the call cannot have them swapped.
 */
export type SwapHint = ((queue: string, name: string) => string) | undefined;

/** @internal The name given (`undefined`: the default) and the hint for a swap, from either form. */
export function workerArguments(
  kind: "consumer" | "producer",
  nameOrOptions: string | ConsumerOptions | undefined,
): { name: string | undefined; hint: SwapHint } {
  if (nameOrOptions === undefined) return { name: undefined, hint: undefined };
  if (typeof nameOrOptions === "string") {
    return { name: nameOrOptions, hint: (queue, name) => `store.${kind}(${q(queue)}, { name: ${q(name)} })` };
  }
  if (typeof nameOrOptions !== "object" || nameOrOptions === null || Array.isArray(nameOrOptions)) {
    throw new ValidationError(
      `store.${kind}(queue, options) takes { name } or a name string as its second argument, got ${describe(nameOrOptions)}`,
      { argument: "options" },
    );
  }
  for (const key of Object.keys(nameOrOptions)) {
    if (key !== "name") {
      throw new ValidationError(`unknown option '${key}' of store.${kind}(queue, options); the only option is name`, {
        argument: key,
      });
    }
  }
  return { name: nameOrOptions.name, hint: undefined };
}

/**
 * QUEUE_NOT_FOUND for `queue` when the worker name `name` is itself an existing queue: the two strings look
 * swapped, and `hint` writes the call with them in their places.
 */
export function swappedArgumentsError(queue: string, name: string, hint: (queue: string, name: string) => string) {
  return new PgqrsError(
    "QUEUE_NOT_FOUND",
    `Queue '${queue}' not found, but a queue '${name}' exists: the arguments look swapped; write ${hint(name, queue)}`,
    { details: { name: queue, existingQueue: name, swapped: true } },
  );
}

function q(text: string): string {
  return JSON.stringify(text);
}

function describe(value: unknown): string {
  return value === null ? "null" : Array.isArray(value) ? "an array" : typeof value;
}
