/**
 * The statements a workflow worker repeats, planned as a long-lived connection keeps them: generically, on a freshly
 * installed schema (young tables, no ANALYZE yet). A prepared statement keeps that plan until something invalidates
 * it, so a sequential scan chosen while a table had a few pages would be paid on every call as the table grows: the
 * claim that starts runs once spent 3.6 ms per call scanning 6,000 runs that way. Here the runs a claim did not
 * write are looked up through idx_pgqrs_workflow_runs_message_id, whatever the table's size.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { dequeueAndStartRunsStatement } from "../../src/store/postgres/postgres-run-claims.js";
import { uniqueName } from "../support/backends.js";
import { openPlanHarness, type PlanHarness } from "../support/generic-plans.js";

let h: PlanHarness;
beforeAll(async () => {
  h = await openPlanHarness(uniqueName("young"), async (store) => {
    const def = pgqrs.defineWorkflow({ name: "young_plans" }, async () => 1);
    await pgqrs.workflow().name(def).create(store);
  });
});
afterAll(async () => {
  await h.close();
});

describe("plans on a young schema (PostgreSQL)", () => {
  it("the claim that starts runs reaches the runs it did not write through the message_id index, not a scan", async () => {
    const args = ["1", "now()", "5", "16", "now() + interval '30 seconds'", "1"];
    const plan = await h.plan("young_claim", dequeueAndStartRunsStatement(h.conn), args);
    expect(plan).toContain("idx_pgqrs_workflow_runs_message_id");
    expect(plan).not.toMatch(/Seq Scan on pgqrs_workflow_runs/);
  });
});
