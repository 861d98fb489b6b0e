import { describe, expect, it } from "vitest";
import { adminQuery, recordFigures, restartPostgres, withParams, faultDsn } from "./support/fault-env.js";
import { type DrainResult, runDrain } from "./support/drain-harness.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const EXPLAINED =
  "every duplicate ran under a new lease (higher read_ct) after the previous holder's lease was lost: killed, cut off or restarted after its handler ran and before its archive committed";

function expectNothingLost(r: DrainResult): void {
  expect(r.workerExitsUnplanned, r.unplannedExitReasons.join("\n")).toBe(0);
  expect(r.lost).toBe(0);
  expect(r.archived).toBe(r.messagesIn);
  expect(r.duplicatesUnderOneLease).toBe(0);
}

describe("queue drain under faults (real worker processes, real Postgres)", () => {
  it("SIGKILL of worker processes at random moments during a 5,000-message drain", async () => {
    const r = await runDrain({
      preload: 5000,
      workers: 4,
      concurrency: 4,
      vtSeconds: 2,
      timeoutMs: 150_000,
      inject: async (ctx) => {
        let n = 0;
        // As soon as work flows, whatever the engine's speed (a fixed delay may outlast a fast drain).
        while (!ctx.done() && (await ctx.archived()) < 100) await sleep(20);
        while (!ctx.done() && n < 10) {
          await ctx.killAndReplace();
          n += 1;
          await sleep(200 + Math.random() * 800);
        }
        return n;
      },
    });
    recordFigures({
      scenario: "sigkill-queue-drain",
      fault: "SIGKILL of a random worker process (of 4, 4 handlers each), then a replacement, at random moments",
      faultsInjected: r.faultsInjected,
      messagesIn: r.messagesIn,
      archived: r.archived,
      lost: r.lost,
      duplicateExecutions: r.duplicateExecutions,
      duplicatesExplained: EXPLAINED,
      workerExitsUnplanned: r.workerExitsUnplanned,
      seconds: r.seconds,
    });
    expect(r.messagesIn).toBe(5000);
    expectNothingLost(r);
    expect(r.faultsInjected).toBeGreaterThan(0);
    expect(r.workerExitsUnplanned, r.unplannedExitReasons.join("\n")).toBe(0);
  });

  it("a Postgres restart in the middle of the load: workers carry on, producers retry or succeed", async () => {
    const r = await runDrain({
      preload: 1000,
      producers: { count: 2, perProducer: 500 },
      workers: 3,
      concurrency: 2,
      vtSeconds: 3,
      timeoutMs: 150_000,
      inject: async (ctx) => {
        // Mid-load, whatever the engine's speed: workers have archived some of the work, most is still to come.
        while (!ctx.done() && (await ctx.archived()) < 200) await sleep(20);
        if (ctx.done()) return 0;
        restartPostgres();
        return 1;
      },
    });
    const notes = [
      `producers retried ${r.producerRetries} enqueue(s) after retryable errors: ${JSON.stringify(r.producerErrorCodes)}`,
      `message rows beyond one per acknowledged key (a retried enqueue whose first attempt had committed): ${r.producerDuplicates}`,
    ];
    recordFigures({
      scenario: "postgres-restart",
      fault: "pg_ctl restart -m fast of the cluster while 3 workers drain and 2 producers enqueue",
      faultsInjected: r.faultsInjected,
      messagesIn: r.messagesIn,
      archived: r.archived,
      lost: r.lost,
      duplicateExecutions: r.duplicateExecutions,
      duplicatesExplained: EXPLAINED,
      workerExitsUnplanned: r.workerExitsUnplanned,
      notes,
      seconds: r.seconds,
    });
    expect(r.faultsInjected).toBe(1);
    expect(r.messagesIn).toBe(2000);
    expectNothingLost(r);
    expect(r.workerExitsUnplanned, r.unplannedExitReasons.join("\n")).toBe(0);
    for (const code of Object.keys(r.producerErrorCodes)) expect(["CONNECTION_FAILED", "CONFLICT"]).toContain(code);
  });

  it("pg_terminate_backend on the workers' connections, repeatedly", async () => {
    const app = "pgqrs_fault_worker";
    const r = await runDrain({
      preload: 3000,
      workers: 3,
      concurrency: 3,
      vtSeconds: 2,
      workerDsn: withParams(faultDsn(), { application_name: app }),
      timeoutMs: 150_000,
      inject: async (ctx) => {
        let n = 0;
        // As soon as work flows, whatever the engine's speed (a fixed delay may outlast a fast drain).
        while (!ctx.done() && (await ctx.archived()) < 100) await sleep(20);
        while (!ctx.done() && n < 15) {
          const rows = await adminQuery<{ t: boolean }>(
            "SELECT pg_terminate_backend(pid) AS t FROM pg_stat_activity WHERE application_name = $1",
            [app],
          );
          n += rows.filter((x) => x.t).length;
          await sleep(400 + Math.random() * 400);
        }
        return n;
      },
    });
    recordFigures({
      scenario: "terminate-backend",
      fault: "pg_terminate_backend of every connection of the 3 worker processes, about twice a second",
      faultsInjected: r.faultsInjected,
      messagesIn: r.messagesIn,
      archived: r.archived,
      lost: r.lost,
      duplicateExecutions: r.duplicateExecutions,
      duplicatesExplained: EXPLAINED,
      workerExitsUnplanned: r.workerExitsUnplanned,
      seconds: r.seconds,
    });
    expect(r.faultsInjected).toBeGreaterThan(0);
    expectNothingLost(r);
    expect(r.workerExitsUnplanned, r.unplannedExitReasons.join("\n")).toBe(0);
  });
});
