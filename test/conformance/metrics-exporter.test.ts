/**
 * The Prometheus exporter (issue 19) on both backends, with real data: the text is parsed by a Prometheus text
 * parser, follows the naming conventions, and reports the backlog, the oldest pending age, retrying messages, dead
 * letters, completions (a counter that survives retention), workers, runs by status and step durations. Virtual time.
 */
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { createMetricsExporter } from "../../src/metrics/metrics-exporter.js";
import { EVERY_BACKEND } from "../support/backends.js";
import {
  conventionProblems,
  family,
  histogram,
  labelSets,
  parsePrometheus,
  valueIn,
} from "../support/prometheus-text.js";
import { openTestStore, type TestStore } from "../support/stores.js";

const T = new Date("2026-01-01T00:00:00.000Z").getTime();
const at = (ms: number) => new Date(T + ms);

let lastText = "";

async function scrape(exporter: { metrics(): Promise<string> }) {
  const text = await exporter.metrics();
  expect(conventionProblems(text)).toEqual([]);
  lastText = text;
  return parsePrometheus(text);
}

const failure = (attempt: number) => ({
  name: "Error",
  message: "boom",
  stack: null,
  attempt,
  failedAt: new Date(T).toISOString(),
});

/** A run of `wf` with steps of 2 s and 0.2 s, finished SUCCESS (its message archived) at T + 2.2 s. */
async function finishedRun(t: TestStore, wf: string): Promise<void> {
  await t.store.createWorkflow(wf);
  const { run } = await pgqrs.workflow(wf).trigger({ n: 1 }).start(t.store);
  const consumer = await t.store.consumer(wf);
  const [m] = await consumer.dequeueMany(1, 3600);
  expect(m?.id).toBe(run.messageId);
  const backend = t.store.context.backend;
  await backend.acquireStep({ runId: run.id, stepName: "s1", now: at(0), owner: "o" });
  await backend.completeStep({ runId: run.id, stepName: "s1", now: at(2000), output: "1" });
  await backend.acquireStep({ runId: run.id, stepName: "s2", now: at(2000), owner: "o" });
  await backend.completeStep({ runId: run.id, stepName: "s2", now: at(2200), output: "2" });
  const r = await backend.completeRunAndArchive({
    id: run.id,
    from: ["QUEUED", "RUNNING"],
    to: "SUCCESS",
    now: at(2200),
    output: "3",
    messageId: run.messageId,
    workerId: consumer.id,
  });
  expect(r.archived).toBe(true);
}

describe.each(EVERY_BACKEND)("Prometheus exporter on %s", (backend) => {
  it("reports backlog, failures, dead letters, completions, workers, runs and step durations", async () => {
    const t = await openTestStore(backend);
    const exporter = createMetricsExporter(t.store, { cacheMs: 0 });
    const empty = await scrape(exporter);
    expect(family(empty, "pgqrs_queue_messages").type).toBe("GAUGE");
    expect(family(empty, "pgqrs_messages_completed_total").type).toBe("COUNTER");
    expect(family(empty, "pgqrs_workflow_step_duration_seconds").type).toBe("HISTOGRAM");

    await pgqrs.admin(t.store).createQueue("jobs");
    const producer = await t.store.producer("jobs");
    const consumer = await t.store.consumer("jobs");
    await producer.enqueueBatch([1, 2, 3, 4, 5, 6].map((i) => ({ i })));
    const [a, b, c, d] = await consumer.dequeueMany(4, 3600);
    await consumer.archive(a!.id);
    const backendOps = t.store.context.backend;
    // b fails and waits a minute for its retry; c fails for good (dead-lettered); d stays leased.
    await backendOps.release({
      ids: [b!.id],
      workerId: consumer.id,
      now: at(0),
      visibleAt: at(60_000),
      error: failure(1),
    });
    await backendOps.release({
      ids: [c!.id],
      workerId: consumer.id,
      now: at(0),
      visibleAt: at(0),
      error: failure(1),
      deadLetterAtReadCt: 1,
    });
    expect(d).toBeDefined();
    await finishedRun(t, "wfm");

    t.clock.set(at(20_000));
    const f = await scrape(exporter);
    expect(valueIn(f, "pgqrs_queue_messages", { queue: "jobs", state: "pending" })).toBe(2);
    expect(valueIn(f, "pgqrs_queue_messages", { queue: "jobs", state: "delayed" })).toBe(1);
    expect(valueIn(f, "pgqrs_queue_messages", { queue: "jobs", state: "leased" })).toBe(1);
    expect(valueIn(f, "pgqrs_queue_oldest_pending_age_seconds", { queue: "jobs" })).toBe(20);
    expect(valueIn(f, "pgqrs_queue_oldest_pending_age_seconds", { queue: "wfm" })).toBe(0);
    expect(valueIn(f, "pgqrs_queue_retrying_messages", { queue: "jobs" })).toBe(1);
    expect(valueIn(f, "pgqrs_queue_dead_letters", { queue: "jobs" })).toBe(1);
    expect(valueIn(f, "pgqrs_messages_completed_total", { queue: "jobs" })).toBe(1);
    expect(valueIn(f, "pgqrs_messages_completed_total", { queue: "wfm" })).toBe(1);
    expect(valueIn(f, "pgqrs_messages_dead_lettered_total", { queue: "jobs" })).toBe(1);
    expect(labelSets(f, "pgqrs_queue_messages")).toEqual(
      ["jobs", "wfm"].flatMap((q) => ["delayed", "leased", "pending"].map((s) => `queue=${q},state=${s}`)),
    );

    const statuses = ["interrupted", "polling", "ready", "stopped", "suspended"];
    expect(labelSets(f, "pgqrs_workers").filter((l) => l.startsWith("queue=jobs,"))).toEqual(
      statuses.map((s) => `queue=jobs,status=${s}`),
    );
    const jobs = await pgqrs.admin(t.store).getQueue("jobs");
    const jobWorkers = statuses.reduce((sum, s) => sum + valueIn(f, "pgqrs_workers", { queue: "jobs", status: s }), 0);
    expect(jobWorkers).toBe(await backendOps.countWorkers({ queueId: jobs.id }));
    expect(valueIn(f, "pgqrs_workers", { queue: "jobs", status: "ready" })).toBeGreaterThanOrEqual(2);

    expect(labelSets(f, "pgqrs_workflow_runs")).toEqual(
      ["cancelled", "cancelling", "error", "paused", "queued", "running", "success"].map(
        (s) => `status=${s},workflow=wfm`,
      ),
    );
    expect(valueIn(f, "pgqrs_workflow_runs", { workflow: "wfm", status: "success" })).toBe(1);
    expect(valueIn(f, "pgqrs_workflow_runs", { workflow: "wfm", status: "running" })).toBe(0);

    const steps = histogram(lastText, "pgqrs_workflow_step_duration_seconds", { workflow: "wfm" });
    expect(steps?.count).toBe(2);
    expect(steps?.sum).toBeCloseTo(2.2, 9);
    expect(steps?.buckets).toMatchObject({ "0.1": 0, "0.25": 1, "1": 1, "2.5": 2, "3600": 2, "+Inf": 2 });

    // The same window is never counted twice.
    const again = await scrape(exporter);
    expect(valueIn(again, "pgqrs_messages_completed_total", { queue: "jobs" })).toBe(1);
    expect(valueIn(again, "pgqrs_messages_dead_lettered_total", { queue: "jobs" })).toBe(1);
    expect(histogram(lastText, "pgqrs_workflow_step_duration_seconds", { workflow: "wfm" })?.count).toBe(2);
  });

  it("counters only grow: retention deleting archived rows lowers the gauges, never the counters", async () => {
    const t = await openTestStore(backend);
    const exporter = createMetricsExporter(t.store, { cacheMs: 0 });
    await pgqrs.admin(t.store).createQueue("ret");
    const producer = await t.store.producer("ret");
    const consumer = await t.store.consumer("ret");
    await producer.enqueueBatch([{ i: 1 }, { i: 2 }, { i: 3 }]);
    const got = await consumer.dequeueMany(3, 3600);
    await consumer.archiveMany(got.slice(0, 2).map((m) => m.id));
    await t.store.context.backend.release({
      ids: [got[2]!.id],
      workerId: consumer.id,
      now: at(0),
      visibleAt: at(0),
      error: failure(1),
      deadLetterAtReadCt: 1,
    });
    t.clock.set(at(10_000));
    const before = await scrape(exporter);
    expect(valueIn(before, "pgqrs_messages_completed_total", { queue: "ret" })).toBe(2);
    expect(valueIn(before, "pgqrs_queue_dead_letters", { queue: "ret" })).toBe(1);

    await pgqrs.admin(t.store).purgeArchived({ olderThan: at(5_000), deadLetters: true });
    t.clock.set(at(20_000));
    const after = await scrape(exporter);
    expect(valueIn(after, "pgqrs_messages_completed_total", { queue: "ret" })).toBe(2);
    expect(valueIn(after, "pgqrs_messages_dead_lettered_total", { queue: "ret" })).toBe(1);
    expect(valueIn(after, "pgqrs_queue_dead_letters", { queue: "ret" })).toBe(0);
  });

  it("counts a completion once it is settleMs old, and concurrent scrapes share one read", async () => {
    const t = await openTestStore(backend);
    const exporter = createMetricsExporter(t.store, { cacheMs: 0, settleMs: 5_000 });
    await pgqrs.admin(t.store).createQueue("late");
    const producer = await t.store.producer("late");
    const consumer = await t.store.consumer("late");
    await producer.enqueue({ i: 1 });
    t.clock.set(at(18_000));
    const [m] = await consumer.dequeueMany(1, 3600);
    await consumer.archive(m!.id);
    t.clock.set(at(20_000));
    const [x, y] = await Promise.all([exporter.metrics(), exporter.metrics()]);
    expect(x).toBe(y);
    expect(valueIn(parsePrometheus(x), "pgqrs_messages_completed_total", { queue: "late" })).toBe(0);
    t.clock.set(at(30_000));
    expect(valueIn(await scrape(exporter), "pgqrs_messages_completed_total", { queue: "late" })).toBe(1);
  });

  it("scrapes within cacheMs share one read; pgqrs.metrics(store) serves the text; bad options are refused", async () => {
    const t = await openTestStore(backend);
    const exporter = createMetricsExporter(t.store);
    const first = exporter.metrics();
    expect(exporter.metrics()).toBe(first);
    await first;
    t.clock.set(at(500));
    expect(exporter.metrics()).toBe(first);
    t.clock.set(at(1_000));
    expect(exporter.metrics()).not.toBe(first);
    expect(exporter.contentType).toMatch(/^text\/plain; version=0\.0\.4/);

    await pgqrs.admin(t.store).createQueue("lib");
    const text = await pgqrs.metrics(t.store);
    expect(valueIn(parsePrometheus(text), "pgqrs_queue_messages", { queue: "lib", state: "pending" })).toBe(0);

    expect(() => createMetricsExporter(t.store, { cacheMs: -1 })).toThrow(/VALIDATION_FAILED|cacheMs/);
    expect(() => createMetricsExporter(t.store, { stepBucketsSeconds: [1, 0.5] })).toThrow(/ascending/);
    expect(() => createMetricsExporter(t.store, { stepRowsScanned: 0 })).toThrow(/stepRowsScanned/);
  });
});
