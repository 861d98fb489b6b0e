/**
 * Type tests (issue 19, item 1): a typed queue's payload type flows through `enqueue`, `enqueueBatch`, `consumer`
 * (its `dequeue`, `dequeueMany`, `messages`) and `worker` (the handler's message), for interface and type-alias
 * payloads, and payload types are held to JSON: a `Date`, `bigint`, function, `symbol`, `Map`, `unknown` or
 * `undefined`-typed member does not compile, while optional members do. `tsc -p tsconfig.json` (the typecheck step of
 * `npm test`, whose `include` has test/) checks this file: an `expectTypeOf` that no longer holds (a payload widened
 * to `unknown`, say) or an `@ts-expect-error` with no error is a compile error. The functions are never called;
 * vitest only runs the last test, which checks they exist.
 */
import { describe, expectTypeOf, it } from "vitest";
import pgqrsDefault from "../../src/index.js";
import * as pgqrs from "../../src/index.js";

/** An interface: no index signature, so `T extends JsonValue` alone would refuse it. */
interface Email {
  to: string;
  subject?: string;
  cc: string[];
  meta: { attempt: number; urgent: boolean | null };
}
/** A type alias with a tuple, a readonly array, a literal union and nested optionals. */
type Resize = {
  image: string;
  size: readonly [number, number];
  format: "png" | "jpeg";
  crop?: { x: number; y?: number };
};
interface Tree {
  name: string;
  children: Tree[];
}

const emails = pgqrs.defineQueue<Email>("emails", { retry: { maxAttempts: 3 }, concurrencyLimit: 10 });
const resizes = pgqrs.defineQueue<Resize>("resizes");

async function typedQueues(store: pgqrs.Store): Promise<void> {
  expectTypeOf(emails).toEqualTypeOf<pgqrs.QueueDefinition<Email>>();
  expectTypeOf(resizes).toEqualTypeOf<pgqrs.QueueDefinition<Resize>>();
  expectTypeOf(pgqrsDefault.defineQueue<Email>("emails")).toEqualTypeOf<pgqrs.QueueDefinition<Email>>();

  // enqueue and enqueueBatch: the stored message carries the payload type.
  const sent = await emails.enqueue(store, { to: "a@example.com", cc: [], meta: { attempt: 1, urgent: null } });
  expectTypeOf(sent).toEqualTypeOf<pgqrs.QueueMessage<Email>>();
  expectTypeOf(sent.payload).not.toBeUnknown();
  expectTypeOf(sent.payload.to).toEqualTypeOf<string>();
  const batch = await resizes.enqueueBatch(store, [{ image: "a.png", size: [1, 2], format: "png" }], { priority: 1 });
  expectTypeOf(batch).toEqualTypeOf<pgqrs.QueueMessage<Resize>[]>();
  expectTypeOf(emails.enqueue).parameter(2).toEqualTypeOf<pgqrs.EnqueueOptions | undefined>();
  expectTypeOf(emails.enqueueBatch).parameter(2).toEqualTypeOf<pgqrs.BatchEnqueueOptions | undefined>();

  // @ts-expect-error a payload of the wrong shape does not compile
  await emails.enqueue(store, { to: 1, cc: [], meta: { attempt: 1, urgent: null } });
  // @ts-expect-error ... nor one missing a member
  await emails.enqueue(store, { to: "a@example.com" });
  // @ts-expect-error ... nor, in a batch, one of another queue's type
  await resizes.enqueueBatch(store, [{ to: "a@example.com", cc: [], meta: { attempt: 1, urgent: null } }]);

  // consumer: its claims are typed; it is still a Consumer wherever one is taken.
  const consumer = await emails.consumer(store, { name: "mailer-1" });
  expectTypeOf(consumer).toEqualTypeOf<pgqrs.QueueConsumer<Email>>();
  expectTypeOf(consumer).toExtend<pgqrs.Consumer>();
  const claimed = await consumer.dequeue({ batchSize: 10 });
  expectTypeOf(claimed).toEqualTypeOf<pgqrs.QueueMessage<Email>[]>();
  expectTypeOf(claimed[0]?.payload).toEqualTypeOf<Email | undefined>();
  expectTypeOf(await consumer.dequeueMany(5)).toEqualTypeOf<pgqrs.QueueMessage<Email>[]>();
  for await (const m of consumer.messages()) {
    expectTypeOf(m.payload).toEqualTypeOf<Email>();
    expectTypeOf(m.payload.meta.attempt).toEqualTypeOf<number>();
  }
  // Driven by hand, the iterator's results are typed too: no `any` (TypeScript's default return type) leaks.
  const step = await consumer.messages().next();
  expectTypeOf(step.value).not.toBeAny();
  expectTypeOf(step).toEqualTypeOf<IteratorResult<pgqrs.QueueMessage<Email>, undefined>>();
  pgqrs.dequeue().worker(consumer);

  // worker: the handler's message is typed, from the definition alone (no annotation).
  const controller = new AbortController();
  const worker = await emails.worker(
    store,
    async (m) => {
      expectTypeOf(m).toEqualTypeOf<pgqrs.QueueMessage<Email>>();
      expectTypeOf(m.payload).not.toBeUnknown();
      expectTypeOf(m.payload.subject).toEqualTypeOf<string | undefined>();
    },
    { concurrency: 4, signal: controller.signal },
  );
  expectTypeOf(worker).toEqualTypeOf<pgqrs.QueueWorker<Email>>();
  expectTypeOf(worker.consumer).toEqualTypeOf<pgqrs.QueueConsumer<Email>>();
  expectTypeOf(worker.done).resolves.toEqualTypeOf<pgqrs.PollLoopEnd>();
  expectTypeOf(worker.stop).returns.resolves.toEqualTypeOf<pgqrs.PollLoopEnd>();
  await resizes.worker(store, (m) => {
    expectTypeOf(m.payload.size).toEqualTypeOf<readonly [number, number]>();
    expectTypeOf(m.payload.crop).toEqualTypeOf<{ x: number; y?: number } | undefined>();
  });
  // @ts-expect-error a handler of another payload type does not fit
  await emails.worker(store, async (m: pgqrs.QueueMessage<Resize>) => m.payload.image);
  // @ts-expect-error an unknown worker option does not compile
  await emails.worker(store, () => undefined, { concurrence: 2 });
}

function jsonConstraint(): void {
  // JSON data of every shape is accepted: interfaces, aliases, recursive types, scalars, arrays, JsonValue.
  pgqrs.defineQueue<Tree>("trees");
  pgqrs.defineQueue<string>("strings");
  pgqrs.defineQueue<number[]>("numbers");
  pgqrs.defineQueue<null>("nulls");
  pgqrs.defineQueue<[string, { n: number }]>("tuples");
  pgqrs.defineQueue<Record<string, number>>("records");
  pgqrs.defineQueue<pgqrs.JsonValue>("json");
  pgqrs.defineQueue<pgqrs.JsonObject>("objects");
  pgqrs.defineQueue<{ optional?: string | undefined }>("explicit-optional");
  // Without a type argument the payload is any JSON value, never `unknown`.
  expectTypeOf(pgqrs.defineQueue("untyped")).toEqualTypeOf<pgqrs.QueueDefinition<pgqrs.JsonValue>>();

  // @ts-expect-error a Date member: it would come back as a string
  pgqrs.defineQueue<{ to: string; sendAt: Date }>("x");
  interface WithDate {
    to: string;
    sendAt: Date;
  }
  // @ts-expect-error ... also in an interface
  pgqrs.defineQueue<WithDate>("x");
  // @ts-expect-error ... and deep inside arrays of objects
  pgqrs.defineQueue<{ items: { at: Date }[] }>("x");
  // @ts-expect-error a bigint member
  pgqrs.defineQueue<{ amount: bigint }>("x");
  // @ts-expect-error a function member
  pgqrs.defineQueue<{ callback: () => void }>("x");
  // @ts-expect-error a symbol member
  pgqrs.defineQueue<{ tag: symbol }>("x");
  // @ts-expect-error a Map member
  pgqrs.defineQueue<{ lookup: Map<string, string> }>("x");
  // @ts-expect-error an undefined-typed member (required, but may be undefined: it would disappear)
  pgqrs.defineQueue<{ to: string | undefined }>("x");
  // @ts-expect-error an unknown member
  pgqrs.defineQueue<{ data: unknown }>("x");
  // @ts-expect-error unknown as the payload
  pgqrs.defineQueue<unknown>("x");
  // @ts-expect-error a Date as the payload
  pgqrs.defineQueue<Date>("x");
  // @ts-expect-error a bigint as the payload
  pgqrs.defineQueue<bigint>("x");
  // @ts-expect-error undefined as the payload
  pgqrs.defineQueue<undefined>("x");

  // The JSON types themselves.
  expectTypeOf<{ a: [1, "x", null] }>().toExtend<pgqrs.JsonValue>();
  expectTypeOf<Date>().not.toExtend<pgqrs.JsonValue>();
  expectTypeOf<pgqrs.Json<Email>>().not.toBeNever();
  expectTypeOf<Email>().toExtend<pgqrs.Json<Email>>();
  expectTypeOf<WithDate>().not.toExtend<pgqrs.Json<WithDate>>();
}

/** The registration options of item 2 are typed too. */
async function registration(store: pgqrs.Store): Promise<void> {
  expectTypeOf(await store.consumer("emails", { name: "worker-1" })).toEqualTypeOf<pgqrs.Consumer>();
  expectTypeOf(await store.producer("emails", { name: "api-1" })).toEqualTypeOf<pgqrs.Producer>();
  expectTypeOf(await store.consumer("emails", "worker-1")).toEqualTypeOf<pgqrs.Consumer>();
  // @ts-expect-error the options object has only `name`
  await store.consumer("emails", { queue: "emails" });
}

describe("typed queue types", () => {
  it("is checked by tsc (npm test's typecheck step); the checks are compiled, never run", () => {
    expectTypeOf(typedQueues).toBeFunction();
    expectTypeOf(jsonConstraint).toBeFunction();
    expectTypeOf(registration).toBeFunction();
  });
});
