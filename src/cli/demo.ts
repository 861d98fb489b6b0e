import * as pgqrs from "../index.js";
import type { Config, QueueMessage, RunRecord, StepRecord, Store } from "../index.js";
import { type CrashReport, runCrashWorkers } from "./demo-crash.js";
import { DEMO_WORKFLOW, demoWorkflow } from "./demo-workflow.js";
import { Progress } from "./progress.js";
import { duration, shortDate, table } from "./output.js";

const STALL_MS = 30_000;

/** Options of `pgqrs demo`. */
export interface DemoOptions {
  config: Config;
  runs: number;
  concurrency: number;
  /** Share of step executions that fail transiently the first time (0..1). */
  failureRate: number;
  /** Kill a worker process mid-run and recover with a second one. */
  crash: boolean;
  json: boolean;
  /** The summary (stdout). */
  out: NodeJS.WritableStream;
  /** Progress (stderr). */
  err: NodeJS.WriteStream;
  /**
   * Stop early (Ctrl-C): the workers stop and the store closes, so no worker row is left live; then the demo
   * rejects with the signal's reason instead of printing a summary.
   */
  signal?: AbortSignal;
}

export interface DemoSummary {
  backend: string;
  runs: number;
  seconds: number;
  runsPerSecond: number;
  retries: number;
  statuses: Record<string, number>;
  latencyMs: { p50: number; p95: number; max: number };
  crash: CrashReport | null;
  timeline: {
    runId: number;
    steps: { step: string; status: string; retries: number; startedAt: string | null; completedAt: string | null }[];
  };
}

/**
 * The Basic Workflow Guide as a show: a 3-step order workflow, N triggered runs, workers (in this process, or
 * child processes one of which is SIGKILLed with `--crash`), injected transient failures that are retried, then a
 * summary and one run's step timeline.
 */
export async function runDemo(options: DemoOptions): Promise<DemoSummary> {
  const store = await pgqrs.connectWithConfig(options.config);
  try {
    await pgqrs.admin(store).install();
    const wf = await store.createWorkflow(DEMO_WORKFLOW);
    const log = (line: string) => {
      if (!options.json) options.out.write(`${line}\n`);
    };
    log(
      `pgqrs demo: ${options.runs} order workflows (reserve_stock → charge_card → ship) on ${store.backendName()} ` +
        `(${pgqrs.maskDsn(options.config.dsn)})${options.crash ? ", with a worker crash" : ""}`,
    );
    const finished = () =>
      Promise.all(
        (["SUCCESS", "ERROR", "CANCELLED"] as const).map((status) =>
          store.tables().workflowRuns().count({ workflowId: wf.id, status }),
        ),
      ).then((ns) => ns.reduce((a, b) => a + b, 0));
    const baseline = await finished();

    const started = Date.now();
    const messages: QueueMessage[] = [];
    for (let i = 0; i < options.runs; i++) {
      // Back to the event loop, where a Ctrl-C is delivered: on SQLite a trigger completes without going there.
      await new Promise((resolve) => setImmediate(resolve));
      options.signal?.throwIfAborted();
      messages.push(
        await pgqrs
          .workflow(DEMO_WORKFLOW)
          .trigger({ orderId: i + 1, amount: 10 + (i % 7) })
          .execute(store),
      );
    }
    const progress = new Progress(options.err, options.runs, !options.json);
    // Stops waiting when nothing finished for STALL_MS, so a stuck run shows up in the summary instead of a hang.
    let stalled = false;
    const waitAll = async (until = options.runs) => {
      let last = -1;
      let lastChange = Date.now();
      while (!stalled && options.signal?.aborted !== true) {
        const done = (await finished()) - baseline;
        progress.update(done);
        if (done >= until) return;
        if (done !== last) [last, lastChange] = [done, Date.now()];
        else if (Date.now() - lastChange > STALL_MS) {
          stalled = true;
          progress.note(
            `no run finished for ${STALL_MS / 1000} s; stopping (see \`${cliCommand(options.config, `workflow runs ${DEMO_WORKFLOW}`)}\`)`,
          );
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    };

    let crash: CrashReport | null = null;
    if (options.crash) {
      crash = await runCrashWorkers({
        store,
        config: options.config,
        concurrency: options.concurrency,
        failureRate: options.failureRate,
        progress,
        waitFor: waitAll,
        runs: options.runs,
        log: (line) => progress.note(line),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
    } else {
      const def = demoWorkflow({
        failureRate: options.failureRate,
        stepDelayMs: 0,
        onRetry: () => progress.retry(),
      });
      const consumer = await pgqrs.consumer(`demo-worker-${process.pid}`, DEMO_WORKFLOW).create(store);
      const loop = pgqrs.workflow().name(def).consumer(consumer).concurrency(options.concurrency).poll(store);
      try {
        await waitAll();
      } finally {
        // Also when the wait fails or is interrupted: the worker row is stopped, not left polling for
        // `worker health` to report stale.
        await consumer.interrupt();
        await loop;
        await consumer.shutdown();
      }
    }
    progress.finish();
    options.signal?.throwIfAborted();
    const elapsed = (Date.now() - started) / 1000;

    const summary = await summarise(store, messages, elapsed, progress.retries, crash, options.runs);
    if (options.json) options.out.write(`${JSON.stringify(summary, null, 2)}\n`);
    else options.out.write(`${render(summary, crash, options.config)}\n`);
    return summary;
  } finally {
    await store.close();
  }
}

async function summarise(
  store: Store,
  messages: QueueMessage[],
  elapsed: number,
  retries: number,
  crash: CrashReport | null,
  n: number,
): Promise<DemoSummary> {
  const enqueued = new Map(messages.map((m) => [m.id, m.enqueuedAt.getTime()]));
  const all = await pgqrs.workflow(DEMO_WORKFLOW).runs(store, { limit: n * 2 + 100 });
  const runs = all.filter((r) => enqueued.has(r.messageId));
  const statuses: Record<string, number> = {};
  for (const r of runs) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  const latencies = runs
    .filter((r) => r.completedAt !== null)
    .map((r) => (r.completedAt as Date).getTime() - (enqueued.get(r.messageId) as number))
    .sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
  const { sample, steps } = await pickSample(store, runs, crash);
  return {
    backend: store.backendName(),
    runs: n,
    seconds: Number(elapsed.toFixed(3)),
    runsPerSecond: Number((n / elapsed).toFixed(1)),
    retries,
    statuses,
    latencyMs: { p50: pct(50), p95: pct(95), max: latencies.at(-1) ?? 0 },
    crash,
    timeline: {
      runId: sample?.id ?? 0,
      steps: steps.map((s) => ({
        step: s.stepName,
        status: s.status,
        retries: s.retryCount,
        startedAt: s.startedAt?.toISOString() ?? null,
        completedAt: s.completedAt?.toISOString() ?? null,
      })),
    },
  };
}

/**
 * The run to show: with a crash, one whose steps straddle the kill (finished before it, resumed after it) or at
 * least one in flight at the time; otherwise the first finished run.
 */
async function pickSample(
  store: Store,
  runs: RunRecord[],
  crash: CrashReport | null,
): Promise<{ sample: RunRecord | undefined; steps: StepRecord[] }> {
  const stepsOf = (r: RunRecord) => pgqrs.workflow(DEMO_WORKFLOW).steps(r.id, store);
  if (crash !== null) {
    const killedAt = new Date(crash.killedAt).getTime();
    const hit = runs.filter((r) => crash.inFlightRunIds.includes(r.id));
    for (const r of hit.slice(0, 20)) {
      const steps = await stepsOf(r);
      const before = steps.some((s) => s.completedAt !== null && s.completedAt.getTime() < killedAt);
      const after = steps.some((s) => s.startedAt !== null && s.startedAt.getTime() > killedAt);
      if (before && after) return { sample: r, steps };
    }
    if (hit[0] !== undefined) return { sample: hit[0], steps: await stepsOf(hit[0]) };
  }
  // Prefer a run that needed a retry: its timeline shows one.
  for (const r of runs.filter((x) => x.status === "SUCCESS").slice(0, 15)) {
    const steps = await stepsOf(r);
    if (steps.some((st) => st.retryCount > 0)) return { sample: r, steps };
  }
  const sample = runs.find((r) => r.status === "SUCCESS") ?? runs[0];
  return { sample, steps: sample === undefined ? [] : await stepsOf(sample) };
}

function render(s: DemoSummary, crash: CrashReport | null, config: Config): string {
  const lines: string[] = [""];
  const statusRows = Object.entries(s.statuses).map(([status, count]) => ({ status, count }));
  lines.push(
    table(statusRows, [
      { header: "STATUS", get: (r) => r.status },
      { header: "RUNS", get: (r) => r.count, right: true },
    ]),
  );
  lines.push("");
  lines.push(`throughput  ${s.runsPerSecond} runs/s (${s.runs} runs in ${duration(s.seconds * 1000)})`);
  lines.push(`retries     ${s.retries} transient step failures, each retried`);
  lines.push(
    `latency     p50 ${duration(s.latencyMs.p50)}, p95 ${duration(s.latencyMs.p95)}, max ${duration(s.latencyMs.max)} (trigger → completion)`,
  );
  if (crash !== null) {
    lines.push(
      `crash       worker ${crash.killedWorkerId} (pid ${crash.killedPid}) SIGKILLed with ${crash.inFlightRunIds.length} run(s) in flight; ` +
        `${crash.releasedMessages} message(s) reclaimed after ${duration(crash.detectedAfterMs)}, finished by worker ${crash.recoveryWorkerId} (pid ${crash.recoveryPid})`,
    );
  }
  if (s.timeline.steps.length > 0) {
    lines.push("");
    lines.push(`run ${s.timeline.runId}, step by step${crash !== null ? " (in flight at the crash)" : ""}:`);
    const killedAt = crash === null ? undefined : new Date(crash.killedAt).getTime();
    const first = s.timeline.steps[0]?.startedAt;
    const origin = first === null || first === undefined ? 0 : new Date(first).getTime();
    let marked = false;
    for (const st of s.timeline.steps) {
      const at = st.startedAt === null ? undefined : new Date(st.startedAt).getTime();
      if (killedAt !== undefined && !marked && at !== undefined && at > killedAt) {
        lines.push(`  ── worker killed at ${shortDate(new Date(killedAt))}, recovered by another process ──`);
        marked = true;
      }
      const took =
        st.startedAt === null || st.completedAt === null
          ? "-"
          : duration(new Date(st.completedAt).getTime() - new Date(st.startedAt).getTime());
      lines.push(
        `  ${st.step.padEnd(14)} ${st.status.padEnd(8)} ${st.retries > 0 ? `${st.retries} retry ` : "no retry"}  ` +
          `started +${at === undefined ? "-" : duration(at - origin)}  took ${took}`,
      );
    }
  }
  lines.push("");
  lines.push("Look inside:");
  lines.push(`  ${cliCommand(config, `workflow runs ${DEMO_WORKFLOW}`)}`);
  if (s.timeline.steps.length > 0) lines.push(`  ${cliCommand(config, `workflow steps ${s.timeline.runId}`)}`);
  lines.push(`  ${cliCommand(config, "stats")}`);
  return lines.join("\n");
}

/**
 * A CLI command against the demo's database that works when pasted into a shell from the project directory: `npx`
 * (the bin is not on PATH), the DSN (a password masked: type yours in its place) and the schema when not the
 * default, each quoted for the shell when it needs to be.
 */
export function cliCommand(config: Config, command: string): string {
  const schema = config.schema === "public" ? "" : ` --schema ${shellWord(config.schema)}`;
  return `npx pgqrs ${command} --dsn ${shellWord(pgqrs.maskDsn(config.dsn))}${schema}`;
}

/** `word`, single-quoted when the shell would otherwise split or expand it. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}
