/** `pgqrs workflow run <id>` lists each failed attempt of a step after the steps; --json carries them (issue 16). */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import * as pgqrs from "../../src/index.js";
import { BACKENDS } from "../support/backends.js";
import { ATTEMPT_MESSAGE, runWithAttemptErrors } from "../support/attempt-errors.js";
import { assertBuilt, CliDatabase } from "./cli-harness.js";

beforeAll(assertBuilt);
vi.setConfig({ testTimeout: 120_000 });

describe.each(BACKENDS)("workflow run shows attempt errors on %s", (backend) => {
  const db = new CliDatabase(backend);
  let store: pgqrs.Store;

  beforeAll(async () => {
    store = await pgqrs.connect(db.dsn, { schema: db.schema });
    await pgqrs.admin(store).install();
  });
  afterAll(async () => {
    await store.close();
    await db.drop();
  });

  it("one line per failed attempt: step, number, time, code and message", async () => {
    const run = await runWithAttemptErrors(store, "cli_attempts");
    const [step] = await store.tables().workflowSteps().listForRun(run.id);
    const out = await db.ok("workflow", "run", String(run.id));
    const lines = out.split("\n");
    const header = lines.findIndex((l) => /^STEP\s+ATTEMPT\s+FAILED AT\s+ERROR/.test(l));
    expect(header).toBeGreaterThan(-1);
    const rows = lines.slice(header + 1, header + 3);
    rows.forEach((row, i) => {
      const at = step?.attemptErrors[i]?.at.toISOString().slice(0, 19).replace("T", " ") ?? "?";
      expect(row).toMatch(new RegExp(`^fetch\\s+${i + 1}\\s+${at}`));
      expect(row).toContain(`TypeError: ${ATTEMPT_MESSAGE}`);
    });
    const json = await db.json<{ steps: { attemptErrors: { attempt: number; error: unknown }[] }[] }>(
      "workflow",
      "run",
      String(run.id),
    );
    expect(json.steps[0]?.attemptErrors.map((a) => a.attempt)).toEqual([1, 2]);
    expect(json.steps[0]?.attemptErrors[1]?.error).toEqual({
      is_transient: true,
      code: "TypeError",
      message: ATTEMPT_MESSAGE,
    });
  });
});
