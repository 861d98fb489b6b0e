/**
 * Type tests (code review 2026-12, section 7): `PgqrsError<C>`'s `details` are typed by its code through
 * `PgqrsErrorDetailsMap`. `tsc -p tsconfig.json` (the typecheck step of `npm test`) checks this file: an
 * `expectTypeOf` that no longer holds (details back to an open record, say) or an `@ts-expect-error` with no error
 * is a compile error. The functions are never called; the tests at the end run the narrowing on real errors.
 */
import { describe, expect, expectTypeOf, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { ManualClock } from "../../src/clock.js";
import { TokenBucket } from "../../src/queue/token-bucket.js";

type Details<C extends pgqrs.PgqrsErrorCode> = pgqrs.PgqrsErrorDetailsMap[C];

function narrowing(err: unknown): void {
  if (pgqrs.isPgqrsError(err, "RATE_LIMITED")) {
    expectTypeOf(err).toEqualTypeOf<pgqrs.PgqrsError<"RATE_LIMITED">>();
    expectTypeOf(err.code).toEqualTypeOf<"RATE_LIMITED">();
    // Typed without a cast: a number of milliseconds, or null when waiting cannot help.
    expectTypeOf(err.details.retryAfterMs).toEqualTypeOf<number | null>();
    expectTypeOf(err.details.requested).toEqualTypeOf<number>();
    // Not set by every site: optional.
    expectTypeOf(err.details.burstCapacity).toEqualTypeOf<number | undefined>();
    // @ts-expect-error RATE_LIMITED has no queueName: a wrong field is a compile error
    void err.details.queueName;
  }
  if (pgqrs.isPgqrsError(err, "MESSAGE_NOT_FOUND")) expectTypeOf(err.details.messageId).toEqualTypeOf<number>();
  if (pgqrs.isPgqrsError(err, "SUSPENDED")) {
    expectTypeOf(err.details.reason).toEqualTypeOf<"worker interrupted" | "worker suspended" | "worker stopped">();
  }
  if (pgqrs.isPgqrsError(err, "STEP_NOT_READY")) expectTypeOf(err.details.retryAt).toEqualTypeOf<Date>();
  if (pgqrs.isPgqrsError(err, "QUERY_FAILED")) {
    // The PostgreSQL server's fields are named ones, not an open record.
    expectTypeOf(err.details.constraint).toEqualTypeOf<string | undefined>();
    // @ts-expect-error nor is an arbitrary field there
    void err.details.constraintName;
  }
  if (pgqrs.isPgqrsError(err, "INTERNAL")) {
    // @ts-expect-error a code with no details cannot be given any
    const _internal: Details<"INTERNAL"> = { note: "x" };
    void _internal;
  }
  // Without a code, details stay an open record, so existing reads compile.
  if (pgqrs.isPgqrsError(err)) {
    expectTypeOf(err).toEqualTypeOf<pgqrs.PgqrsError>();
    expectTypeOf(err.details.anything).toBeUnknown();
    expectTypeOf(err.details).toEqualTypeOf<pgqrs.PgqrsErrorDetails>();
  }
  if (err instanceof pgqrs.PgqrsError) expectTypeOf(err.details.retryAfterMs).toBeUnknown();
}

function subclasses(): void {
  expectTypeOf<pgqrs.ValidationError>().toExtend<pgqrs.PgqrsError<"VALIDATION_FAILED">>();
  expectTypeOf<pgqrs.InvalidStateTransitionError>().toExtend<pgqrs.PgqrsError<"INVALID_STATE_TRANSITION">>();
  expectTypeOf<pgqrs.TransientStepError>().toExtend<pgqrs.PgqrsError<"TRANSIENT">>();
  expectTypeOf<pgqrs.NonRetryableError>().toExtend<pgqrs.PgqrsError<"NON_RETRYABLE">>();
  const v = new pgqrs.ValidationError("bad", { argument: "batchSize" });
  expectTypeOf(v.details.reason).toEqualTypeOf<string>();
  expectTypeOf(v.details.argument).toEqualTypeOf<string | undefined>();
  // @ts-expect-error a validation fact the map does not declare
  new pgqrs.ValidationError("bad", { argumnet: "batchSize" });
  const t = new pgqrs.TransientStepError("HTTP_503", "upstream down");
  expectTypeOf(t.details.transientCode).toEqualTypeOf<string | undefined>();
  const s = new pgqrs.InvalidStateTransitionError("stopped", "polling", "worker is stopped");
  expectTypeOf(s.details.from).toEqualTypeOf<string>();
  // Every code-typed error is still a PgqrsError.
  expectTypeOf<pgqrs.PgqrsError<"RATE_LIMITED">>().toExtend<pgqrs.PgqrsError>();
  expectTypeOf(v).toExtend<pgqrs.PgqrsError>();
}

function construction(): void {
  new pgqrs.PgqrsError("MESSAGE_NOT_FOUND", "Message with id '7' not found", { details: { messageId: 7 } });
  // @ts-expect-error a field the map does not declare for the code
  new pgqrs.PgqrsError("MESSAGE_NOT_FOUND", "x", { details: { messageId: 7, queue: "q" } });
  // @ts-expect-error a required field missing
  new pgqrs.PgqrsError("MESSAGE_NOT_FOUND", "x", { details: {} });
  // @ts-expect-error details are required when the code has required fields
  new pgqrs.PgqrsError("MESSAGE_NOT_FOUND", "x");
  // @ts-expect-error a field's type is checked too
  new pgqrs.PgqrsError("RATE_LIMITED", "x", { details: { requested: "1", retryAfterMs: null } });
  // Codes whose fields are all optional need no details.
  new pgqrs.PgqrsError("WORKER_NOT_FOUND", "Worker with id '3' not found");
  // @ts-expect-error ... but are still checked when given
  new pgqrs.PgqrsError("WORKER_NOT_FOUND", "x", { details: { worker: 3 } });
  // An error built from a code not known statically takes any details (the open record).
  const code = "QUERY_FAILED" as pgqrs.PgqrsErrorCode;
  expectTypeOf(new pgqrs.PgqrsError(code, "x", { details: { anything: 1 } })).toEqualTypeOf<pgqrs.PgqrsError>();
}

function theMap(): void {
  // One entry per code, no more.
  expectTypeOf<keyof pgqrs.PgqrsErrorDetailsMap>().toEqualTypeOf<pgqrs.PgqrsErrorCode>();
  // Readonly throughout.
  const d: Details<"PAYLOAD_TOO_LARGE"> = { actualBytes: 2, maxBytes: 1 };
  // @ts-expect-error details are readonly
  d.maxBytes = 3;
  // A union of codes has the union of their details.
  expectTypeOf<pgqrs.PgqrsError<"CANCELLED" | "EXECUTION_FAILED">["details"]>().toEqualTypeOf<
    Details<"CANCELLED"> | Details<"EXECUTION_FAILED">
  >();
}

describe("error details types", () => {
  it("is checked by tsc (npm test's typecheck step); the checks are compiled, never run", () => {
    expectTypeOf(narrowing).toBeFunction();
    expectTypeOf(subclasses).toBeFunction();
    expectTypeOf(construction).toBeFunction();
    expectTypeOf(theMap).toBeFunction();
  });

  it("narrows a real RATE_LIMITED error by its code, and its details are what the map says", () => {
    const bucket = new TokenBucket(1, 2, new ManualClock(new Date("2026-01-01T00:00:00Z")));
    bucket.acquire(2);
    let caught: unknown;
    try {
      bucket.acquire(1);
    } catch (err) {
      caught = err;
    }
    expect(pgqrs.isPgqrsError(caught, "MESSAGE_NOT_FOUND")).toBe(false);
    expect(pgqrs.isPgqrsError(caught, "RATE_LIMITED")).toBe(true);
    if (!pgqrs.isPgqrsError(caught, "RATE_LIMITED")) return;
    const details: Details<"RATE_LIMITED"> = caught.details;
    expect(details).toEqual({ requested: 1, availableTokens: 0, retryAfterMs: 1000 });
  });

  it("instanceof answers as the built-in check does, for the base class and subclasses", () => {
    const v = new pgqrs.ValidationError("bad");
    const base = new pgqrs.PgqrsError("INTERNAL", "x");
    expect(v instanceof pgqrs.PgqrsError).toBe(true);
    expect(v instanceof pgqrs.ValidationError).toBe(true);
    expect(base instanceof pgqrs.PgqrsError).toBe(true);
    expect(base instanceof pgqrs.ValidationError).toBe(false);
    expect(new Error("x") instanceof pgqrs.PgqrsError).toBe(false);
    expect(Object.create(pgqrs.TransientStepError.prototype) instanceof pgqrs.PgqrsError).toBe(true);
  });

  it("keeps details exactly as given, and {} when none", () => {
    const given = { messageId: 7 };
    expect(new pgqrs.PgqrsError("MESSAGE_NOT_FOUND", "x", { details: given }).details).toBe(given);
    expect(new pgqrs.PgqrsError("WORKER_NOT_FOUND", "x").details).toEqual({});
    expect(new pgqrs.ValidationError("bad", { argument: "a" }).details).toEqual({ reason: "bad", argument: "a" });
  });
});
