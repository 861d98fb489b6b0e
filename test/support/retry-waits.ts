/**
 * Waits of the default-retry conformance tests (issue 16), on a {@link PrimitivesStore}: a step's attempt errors, a
 * run's end, in real time with virtual time standing still or letting it pass a poll interval at a time. Used by
 * test/conformance/workflow-retry-default-errors.test.ts and workflow-retry-default-policies.test.ts.
 */
import { expect } from "vitest";
import type * as pgqrs from "../../src/index.js";
import { drive, POLL_MS, type PrimitivesStore } from "./primitives.js";

/** Wait in real time, without letting virtual time pass, until `cond` holds. */
export async function until(cond: () => Promise<boolean>): Promise<void> {
  await expect.poll(cond, { timeout: 8_000, interval: 5 }).toBe(true);
}

/**
 * The step `name` of the run of `message`, once it has `n` attempt errors, letting virtual time pass a poll interval
 * at a time (up to a minute) while it has not: a retry happens when it is due, and the worker's poll may come a
 * little after that.
 */
export async function failedTimes(p: PrimitivesStore, message: { id: number }, name: string, n: number) {
  let step: pgqrs.StepRecord | null = null;
  await drive(
    p.clock,
    async () => {
      const run = await p.runOf(message);
      step = run === null ? null : await p.store.tables().workflowSteps().get(run.id, name);
      return step !== null && step.attemptErrors.length >= n;
    },
    { stepMs: POLL_MS, maxMs: 60_000 },
  );
  return step as unknown as pgqrs.StepRecord;
}

/** The run of `message` once it is in a terminal state (virtual time stands still). */
export async function finished(p: PrimitivesStore, message: { id: number }): Promise<pgqrs.RunRecord> {
  await until(async () => ["SUCCESS", "ERROR"].includes((await p.runOf(message))?.status ?? ""));
  return (await p.runOf(message)) as pgqrs.RunRecord;
}

/** {@link finished}, letting virtual time pass a poll interval at a time (a retry may be due first). */
export async function finishedAfterRetries(p: PrimitivesStore, message: { id: number }): Promise<pgqrs.RunRecord> {
  await drive(p.clock, async () => ["SUCCESS", "ERROR"].includes((await p.runOf(message))?.status ?? ""), {
    stepMs: POLL_MS,
    maxMs: 60_000,
  });
  return (await p.runOf(message)) as pgqrs.RunRecord;
}
