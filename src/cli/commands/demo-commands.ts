import * as pgqrs from "../../index.js";
import { backendOfKind } from "../../store/backend-registry.js";
import { UsageError } from "../cli-errors.js";
import type { CommandSpec } from "../command.js";
import { runDemo } from "../demo.js";
import { DEMO_WORKFLOW, demoWorkflow } from "../demo-workflow.js";
import { interruptibly } from "../signal-interrupt.js";

const failureRate = {
  type: "int",
  placeholder: "PCT",
  description: "Percent of steps that fail transiently once (default 20)",
} as const;

export const demoCommand: CommandSpec = {
  name: "demo",
  summary: "Run the Basic Workflow Guide: a 3-step workflow, N runs, workers, retries, a summary",
  details:
    "Without --dsn or PGQRS_DSN the demo writes ./pgqrs-demo.db (SQLite, no server). With --crash the runs are\n" +
    "served by worker processes: the first is SIGKILLed a third of the way through, its missed heartbeats make it\n" +
    "a zombie, its messages are reclaimed, and a second process finishes the runs without repeating finished steps.",
  flags: {
    runs: { type: "int", placeholder: "N", description: "Runs to trigger (default 100)" },
    concurrency: { type: "int", placeholder: "N", description: "Runs in flight per worker (default 8)" },
    "failure-rate": failureRate,
    crash: { type: "boolean", description: "Kill a worker process mid-run and show the recovery" },
  },
  examples: [
    "pgqrs demo",
    "pgqrs demo --runs 500 --concurrency 16",
    "pgqrs demo --crash",
    "PGQRS_DSN=postgresql://postgres@localhost/postgres pgqrs demo --json",
  ],
  async run(ctx) {
    const runs = ctx.flags.int("runs") ?? 100;
    const concurrency = ctx.flags.int("concurrency") ?? 8;
    if (runs < 1 || concurrency < 1) throw new UsageError("--runs and --concurrency take numbers >= 1", "demo");
    const base = ctx.config();
    const oneProcess = backendOfKind(base.backend)?.capabilities.processesPerDatabase === "one";
    if (ctx.flags.bool("crash") && (oneProcess || base.dsn.includes(":memory:"))) {
      throw new UsageError("--crash needs a database other processes can open (a file or Postgres)", "demo");
    }
    // Each transient retry is a redelivery of the run's message and counts toward maxReadCt; with injected
    // failures (and a crash) a run can need more than the default 5 deliveries.
    const config = new pgqrs.Config({ ...base, pollIntervalMs: 20, maxReadCt: Math.max(base.maxReadCt, 25) });
    // Ctrl-C stops the demo's workers and closes its store (no worker row left live), then exits 130.
    const summary = await interruptibly((signal) =>
      runDemo({
        config,
        runs,
        concurrency,
        failureRate: Math.min(100, ctx.flags.int("failure-rate") ?? 20) / 100,
        crash: ctx.flags.bool("crash"),
        json: ctx.json,
        out: ctx.out,
        err: ctx.err,
        signal,
      }),
    );
    const ok = (summary.statuses.SUCCESS ?? 0) === runs;
    return { data: summary, human: "", printed: true, ...(ok ? {} : { exitCode: 1 }) };
  },
};

/**
 * Internal: a worker process of `demo --crash`. Reports JSON lines on stdout; SIGTERM, or the SIGINT a terminal's
 * Ctrl-C sends the whole process group, stops it cleanly (its worker row stopped, not left polling).
 */
export const demoWorkerCommand: CommandSpec = {
  name: "demo-worker",
  summary: "Internal: a worker process of `pgqrs demo --crash`",
  hidden: true,
  flags: {
    concurrency: { type: "int", placeholder: "N", description: "Runs in flight" },
    "failure-rate": failureRate,
  },
  async run(ctx) {
    const store = await ctx.store();
    const emit = (event: object) => ctx.out.write(`${JSON.stringify(event)}\n`);
    const def = demoWorkflow({
      failureRate: (ctx.flags.int("failure-rate") ?? 20) / 100,
      stepDelayMs: 15,
      onRetry: () => emit({ event: "retry" }),
    });
    const consumer = await pgqrs.consumer(`demo-worker-${process.pid}`, DEMO_WORKFLOW).create(store);
    const loop = pgqrs
      .workflow()
      .name(def)
      .consumer(consumer)
      .concurrency(ctx.flags.int("concurrency") ?? 8)
      .poll(store);
    // The handlers before "ready": the parent may stop this worker as soon as it reads it.
    const stopped = new Promise<void>((resolve) => {
      process.once("SIGINT", () => resolve());
      process.once("SIGTERM", () => resolve());
    });
    emit({ event: "ready", workerId: consumer.id });
    await stopped;
    await consumer.interrupt();
    await loop;
    await consumer.shutdown();
    return { data: null, human: "", printed: true };
  },
};
