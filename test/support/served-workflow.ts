/**
 * A workflow served by a worker in the test's own process, for tests that drive runs from outside (the CLI in a
 * subprocess, the dashboard over HTTP): the store, its consumer and poll loop, and the waits on a run's status.
 */
import { expect } from "vitest";
import * as pgqrs from "../../src/index.js";

/** A store serving one workflow with a one-at-a-time worker; {@link ServedWorkflow.stop} ends both. */
export interface ServedWorkflow {
  /** The store the worker polls. */
  store: pgqrs.Store;
  /** Interrupts the worker, waits for its loop to end, and closes the store. */
  stop(): Promise<void>;
}

/**
 * Connects to an installed schema, runs `prepare` (more queues, workflows or messages), creates the workflow of
 * `def` and serves it as `workerName` with an hour's visibility timeout.
 */
export async function serveWorkflow<I, O>(
  where: { dsn: string; schema: string },
  def: pgqrs.WorkflowDefinition<I, O>,
  workerName: string,
  prepare: (store: pgqrs.Store) => Promise<void> = async () => {},
): Promise<ServedWorkflow> {
  const store = await pgqrs.connect(where.dsn, { schema: where.schema, pollIntervalMs: 50 });
  await prepare(store);
  await pgqrs.workflow().name(def).create(store);
  const consumer = await pgqrs.consumer(workerName, 1, def.name).create(store);
  const loop = pgqrs.workflow().name(def).consumer(consumer).withVt(3600).poll(store);
  const stop = async () => {
    await consumer.interrupt();
    await loop;
    await store.close();
  };
  return { store, stop };
}

/** The run once it is `status`; a run that ends otherwise fails the test with its error. */
export async function untilRunStatus(
  store: pgqrs.Store,
  id: number,
  status: pgqrs.WorkflowStatus,
): Promise<pgqrs.RunRecord> {
  const getRun = () => pgqrs.admin(store).getRun(id);
  const ended = ["SUCCESS", "ERROR", "CANCELLED"];
  await expect
    .poll(async () => (await getRun()).status, { timeout: 30_000 })
    .toSatisfy((s: string) => s === status || ended.includes(s));
  const run = await getRun();
  expect(run.status, JSON.stringify(run.error)).toBe(status);
  return run;
}

/** How many times each step body of {@link stepsAToC} ran. */
export interface StepExecutions {
  a: number;
  b: number;
  c: number;
}

/**
 * Steps "a", "b" and "c" returning "A", "B" and "C", counting each body's executions in `executed`; step "b" (no
 * retries) throws "b broke" while `failB()` is true, so a retry or fork after it has something to replay.
 */
export async function stepsAToC(
  run: pgqrs.Run,
  executed: StepExecutions,
  failB: () => boolean,
): Promise<{ a: string; b: string; c: string }> {
  const a = await run.step("a", () => {
    executed.a += 1;
    return "A";
  });
  const b = await run.step(
    "b",
    () => {
      executed.b += 1;
      if (failB()) throw new Error("b broke");
      return "B";
    },
    { retry: { maxAttempts: 0 } },
  );
  const c = await run.step("c", () => {
    executed.c += 1;
    return "C";
  });
  return { a, b, c };
}
