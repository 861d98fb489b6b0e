import * as pgqrs from "../index.js";

/** Options of `pgqrs demo`. */
export interface DemoOptions {
  dsn: string;
  runs: number;
  concurrency: number;
  /** Share of step executions that fail transiently the first time (0..1). */
  failureRate: number;
  json: boolean;
  out: NodeJS.WritableStream;
}

interface OrderInput {
  orderId: number;
  amount: number;
}

/**
 * The Basic Workflow Guide as a show: a 3-step order workflow, N triggered runs, workers in this process, injected
 * transient failures that are retried, then a summary and one run's step timeline.
 */
export async function runDemo(options: DemoOptions): Promise<{ success: number; failed: number }> {
  const store = await pgqrs.connect(options.dsn, { pollIntervalMs: 20 });
  const log = (line: string) => {
    if (!options.json) options.out.write(`${line}\n`);
  };
  try {
    await pgqrs.admin(store).install();
    const name = "demo_order";
    let retries = 0;
    const flaky = (key: string) => {
      // Deterministic per step, so a rerun shows the same shape.
      let h = 0;
      for (const ch of key) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
      return (h % 1000) / 1000 < options.failureRate;
    };
    const seenFailure = new Set<string>();
    const step = async <T>(run: pgqrs.Run, stepName: string, fn: () => T): Promise<T> =>
      pgqrs.workflowStep(run, stepName, async () => {
        const key = `${run.id}:${stepName}`;
        if (flaky(key) && !seenFailure.has(key)) {
          seenFailure.add(key);
          retries += 1;
          throw new pgqrs.TransientStepError("FLAKY_UPSTREAM", `${stepName} timed out`, { retryAfterMs: 50 });
        }
        return fn();
      });
    const order = pgqrs.defineWorkflow({ name }, async (run, input: OrderInput) => {
      const reserved = await step(run, "reserve_stock", () => ({ reserved: true, orderId: input.orderId }));
      const charged = await step(run, "charge_card", () => ({ charged: input.amount }));
      const shipped = await step(run, "ship", () => ({ tracking: `TRK-${input.orderId}` }));
      return { ...reserved, ...charged, ...shipped };
    });
    await pgqrs.workflow().name(order).create(store);
    log(`pgqrs demo: ${options.runs} order workflows on ${store.backendName()} (${pgqrs.maskDsn(options.dsn)})`);

    const started = Date.now();
    const messages = [];
    for (let i = 0; i < options.runs; i++) {
      messages.push(
        await pgqrs
          .workflow()
          .name(order)
          .trigger({ orderId: i + 1, amount: 10 + (i % 7) })
          .execute(store),
      );
    }
    const consumer = await pgqrs.consumer(`demo-worker-${process.pid}`, name).create(store);
    const loop = pgqrs.workflow().name(order).consumer(consumer).concurrency(options.concurrency).poll(store);

    const latencies: number[] = [];
    let done = 0;
    let failed = 0;
    const progress = setInterval(() => draw(), 100);
    const draw = () => {
      if (options.json || !("isTTY" in options.out)) return;
      const secs = (Date.now() - started) / 1000;
      const width = 30;
      const filled = Math.round((done / options.runs) * width);
      options.out.write(
        `\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${options.runs} runs  ${(done / Math.max(secs, 0.001)).toFixed(0)} runs/s  ${retries} retries`,
      );
    };
    await Promise.all(
      messages.map(async (m) => {
        try {
          await pgqrs.run().message(m).store(store).result({ timeoutMs: 120_000, pollIntervalMs: 25 });
        } catch {
          failed += 1;
        }
        done += 1;
        latencies.push(Date.now() - started);
      }),
    );
    clearInterval(progress);
    draw();
    if (!options.json && "isTTY" in options.out) options.out.write("\n");
    await consumer.interrupt();
    await loop;
    await consumer.shutdown();

    const elapsed = (Date.now() - started) / 1000;
    const runs = await pgqrs.workflow(name).runs(store, { limit: options.runs });
    const byStatus = new Map<string, number>();
    for (const r of runs) byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);
    const durations = runs
      .filter((r) => r.completedAt !== null)
      .map((r) => (r.completedAt as Date).getTime() - r.createdAt.getTime())
      .sort((a, b) => a - b);
    const pct = (p: number) => durations[Math.min(durations.length - 1, Math.floor((p / 100) * durations.length))] ?? 0;
    const sample = runs.find((r) => seenFailure.has(`${r.id}:charge_card`)) ?? runs[0];
    const steps = sample === undefined ? [] : await pgqrs.workflow(name).steps(sample.id, store);
    const summary = {
      backend: store.backendName(),
      runs: options.runs,
      seconds: Number(elapsed.toFixed(3)),
      runsPerSecond: Number((options.runs / elapsed).toFixed(1)),
      retries,
      statuses: Object.fromEntries(byStatus),
      latencyMs: { p50: pct(50), p95: pct(95) },
      timeline: steps.map((s) => ({
        step: s.stepName,
        status: s.status,
        retries: s.retryCount,
        startedAt: s.startedAt?.toISOString() ?? null,
        completedAt: s.completedAt?.toISOString() ?? null,
      })),
    };
    if (options.json) {
      options.out.write(`${JSON.stringify(summary, null, 2)}\n`);
    } else {
      log("");
      log("status      runs");
      for (const [status, count] of byStatus) log(`${status.padEnd(11)} ${count}`);
      log("");
      log(
        `throughput  ${summary.runsPerSecond} runs/s over ${summary.seconds} s, ${retries} transient failures retried`,
      );
      log(`latency     p50 ${summary.latencyMs.p50} ms, p95 ${summary.latencyMs.p95} ms (trigger to completion)`);
      if (sample !== undefined) {
        log("");
        log(`run ${sample.id} (${sample.status}) step timeline:`);
        for (const s of summary.timeline) {
          log(
            `  ${s.step.padEnd(14)} ${s.status.padEnd(8)} retries=${s.retries}  ${s.startedAt ?? "-"} → ${s.completedAt ?? "-"}`,
          );
        }
        log(`  output: ${JSON.stringify(sample.output)}`);
      }
    }
    return { success: byStatus.get("SUCCESS") ?? 0, failed };
  } finally {
    await store.close();
  }
}
