/** The run page lists each failed attempt of a step, with its number, time and error, escaped (issue 16). */
import { describe, expect, it } from "vitest";
import { runPage } from "../../src/dashboard/pages/run-page.js";
import { BACKENDS } from "../support/backends.js";
import { ATTEMPT_MESSAGE, runWithAttemptErrors } from "../support/attempt-errors.js";
import { openTestStore } from "../support/stores.js";

describe.each(BACKENDS)("run page attempt errors on %s", (backend) => {
  it("shows every failed attempt of a step under it, oldest first, and nothing for steps that never failed", async () => {
    const { store } = await openTestStore(backend);
    const run = await runWithAttemptErrors(store, "dash_attempts");
    const steps = await store.tables().workflowSteps().listForRun(run.id);
    expect(steps[0]?.attemptErrors).toHaveLength(2);
    const page = runPage({
      run,
      workflow: await store.tables().workflows().get(run.workflowId),
      steps,
      messages: [],
      events: [],
      children: [],
      childNames: new Map(),
      now: new Date(),
    }).toString();
    const section = page.slice(page.indexOf('data-testid="attempt-errors-fetch"'));
    expect(section).toContain("Failed attempts");
    expect(section.indexOf("attempt 1 ·")).toBeGreaterThan(-1);
    expect(section.indexOf("attempt 2 ·")).toBeGreaterThan(section.indexOf("attempt 1 ·"));
    expect(section).toContain("&quot;code&quot;: &quot;TypeError&quot;");
    expect(section).toContain("fetch &lt;b&gt;failed&lt;/b&gt;");
    expect(page).not.toContain(ATTEMPT_MESSAGE);

    const clean = runPage({
      run,
      workflow: null,
      steps: steps.map((s) => ({ ...s, attemptErrors: [] })),
      messages: [],
      events: [],
      children: [],
      childNames: new Map(),
      now: new Date(),
    }).toString();
    expect(clean).not.toContain("Failed attempts");
  });
});
