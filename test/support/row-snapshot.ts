/**
 * Everything a refused call must leave as it was: every message (state, lease, read count), worker, run and step.
 * Compare a snapshot taken before a call with one taken after to assert that nothing was written.
 */
import { expect } from "vitest";
import type { Store } from "../../src/index.js";

export async function rowSnapshot(store: Store): Promise<string> {
  const t = store.tables();
  const messages = await t.messages().list({ state: "all", limit: 100_000 });
  const workers = await t.workers().list({ limit: 100_000 });
  const runs = await t.workflowRuns().list({ limit: 100_000 });
  const steps = (await Promise.all(runs.map((r) => t.workflowSteps().listForRun(r.id)))).flat();
  return JSON.stringify({
    messages: messages
      .map((m) => [m.id, m.vt, m.enqueuedAt, m.readCt, m.archivedAt, m.consumerWorkerId, m.payload])
      .sort(),
    workers: workers.map((w) => [w.id, w.status, w.queueId]).sort(),
    runs: runs.map((r) => [r.id, r.status, r.output, r.error]).sort(),
    steps: steps.map((s) => [s.runId, s.stepName, s.status, s.retryAt, s.retryCount]).sort(),
  });
}

/**
 * Run `call`, expect VALIDATION_FAILED whose message names `argument`, and that no row changed. Returns the error.
 */
export async function expectRefused(
  store: Store,
  argument: string,
  call: () => unknown,
): Promise<Error & { code?: string }> {
  const before = await rowSnapshot(store);
  let error: (Error & { code?: string }) | undefined;
  try {
    await call();
  } catch (err) {
    error = err as Error & { code?: string };
  }
  expect(error, `expected ${argument} to be refused`).toBeDefined();
  expect(error?.code, `${argument}: ${String(error)}`).toBe("VALIDATION_FAILED");
  expect(error?.message).toContain(argument);
  expect(await rowSnapshot(store)).toBe(before);
  return error as Error & { code?: string };
}
