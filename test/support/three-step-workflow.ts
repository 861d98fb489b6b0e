/**
 * The workflow of the run-operation conformance tests (issue 16): three counted steps, the second of which fails on
 * demand. Used by test/conformance/workflow-run-operations-retry-fork.test.ts and
 * workflow-run-operations-resume.test.ts.
 */
import * as pgqrs from "../../src/index.js";

/** A workflow of three counted steps; step `s2` throws while `failing.s2` says so (the error from `fail`). */
export function threeSteps(name: string, options: { retry?: { maxAttempts: number } } = {}) {
  const calls = { fn: 0, s1: 0, s2: 0, s3: 0 };
  const failing = { s2: false, fail: (): Error => new Error("boom") };
  const def = pgqrs.defineWorkflow({ name, ...options }, async (run, input: { n: number }) => {
    calls.fn += 1;
    const a = await run.step("s1", async () => {
      calls.s1 += 1;
      return input.n + 1;
    });
    const b = await run.step("s2", async () => {
      calls.s2 += 1;
      if (failing.s2) throw failing.fail();
      return a * 10;
    });
    const c = await run.step("s3", async () => {
      calls.s3 += 1;
      return b + 1;
    });
    return { a, b, c };
  });
  return { def, calls, failing };
}
