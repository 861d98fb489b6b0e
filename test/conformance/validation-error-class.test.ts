/**
 * Bad input is always a {@link pgqrs.ValidationError} (code review §7, re-verified): builder, admin, producer and
 * workflow checks that used to build a plain `PgqrsError("VALIDATION_FAILED", …)` throw the subclass, so callers can
 * branch with `instanceof` as with the payload checks. Code and message text are what they were; `details.reason`
 * is the message without its "Validation failed: " prefix, and the keys the error had before are still there.
 */
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { openTestStore, thrown } from "../support/stores.js";

/** Assert `err` is a ValidationError with the given message, and `details` holding `reason` and `extra`. */
function expectValidationError(
  what: string,
  err: Error & { code?: string; details?: Record<string, unknown> },
  message: string,
  extra: Record<string, unknown> = {},
): void {
  expect(err, what).toBeInstanceOf(pgqrs.ValidationError);
  expect(err, what).toBeInstanceOf(pgqrs.PgqrsError);
  expect(err.name, what).toBe("ValidationError");
  expect(err.code, what).toBe("VALIDATION_FAILED");
  expect(err.message, what).toBe(message);
  expect(err.details, what).toEqual({ reason: message.slice("Validation failed: ".length), ...extra });
}

describe.each(EVERY_BACKEND)("bad input is a ValidationError on %s", (backend) => {
  it("builders, admin and producers refuse bad input with a ValidationError and the same message", async () => {
    const { store } = await openTestStore(backend);
    await pgqrs.admin(store).createQueue("q");
    const cases: [string, () => Promise<unknown>, string, Record<string, unknown>?][] = [
      [
        "enqueue without a message",
        () => pgqrs.enqueue().to("q").execute(store),
        "Validation failed: No messages to enqueue. Use .message() or .messages() before .execute().",
      ],
      [
        "enqueue without a queue",
        () => pgqrs.enqueue().message({ a: 1 }).execute(store),
        'Validation failed: Queue name is required. Use .to("queue-name") or .worker(producer)',
      ],
      [
        "dequeue without a queue",
        () => pgqrs.dequeue().fetchOne(store),
        'Validation failed: Queue name is required. Use .from("queue-name") or .worker(consumer)',
      ],
      [
        "createQueue with an empty name",
        () => pgqrs.admin(store).createQueue(""),
        "Validation failed: queue name must be a non-empty string",
        { kind: "queue" },
      ],
      [
        "enqueueBatch of a non-array",
        async () => (await store.producer("q")).enqueueBatch("x" as unknown as string[]),
        "Validation failed: enqueueBatch takes an array of payloads",
      ],
      [
        "defineWorkflow with an empty name",
        async () => pgqrs.defineWorkflow("", async () => 1),
        "Validation failed: a workflow needs a non-empty name",
      ],
    ];
    for (const [what, call, message, extra] of cases) expectValidationError(what, await thrown(call), message, extra);
    // Nothing was enqueued by the refused calls.
    expect(await store.tables().messages().list({})).toEqual([]);
  });

  it("a step with an empty or missing name is a ValidationError", async () => {
    const { store } = await openTestStore(backend);
    await store.createWorkflow("wf_ve");
    const consumer = await store.consumer("wf_ve");
    await pgqrs.workflow("wf_ve").trigger({ id: 1 }).execute(store);
    const [m] = await consumer.dequeue();
    const run = await pgqrs.run().message(m!).store(store).execute();
    await run.start();
    expectValidationError(
      "acquireStep('')",
      await thrown(() => run.acquireStep("")),
      "Validation failed: Step name is required",
    );
    expectValidationError(
      "step() without a name",
      await thrown(() => pgqrs.step().run(run).execute()),
      "Validation failed: Step name is required for StepBuilder::execute",
    );
    // The refused steps wrote nothing: a step with a real name is still the first one.
    const step = await run.acquireStep("real");
    expect(step.status).toBe("EXECUTE");
  });
});
