/**
 * OpenTelemetry's API with a context manager and a propagator but no tracer provider (no SDK): pgqrs then skips the
 * spans that would record nothing, yet a producer's trace context still travels through the queue into handlers,
 * workflow runs and their steps; and a provider registered later, while a worker runs, records that worker's next
 * runs.
 */
import { context, propagation, type SpanContext, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { afterAll, describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { BACKENDS } from "../support/backends.js";
import { openTestStore } from "../support/stores.js";

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
afterAll(() => {
  trace.disable();
  context.disable();
  propagation.disable();
});

/** A remote caller's trace, as an incoming request would carry it. */
const remote: SpanContext = { traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331", traceFlags: 1 };

describe.each(BACKENDS)("tracing without a tracer provider on %s", (backend) => {
  let n = 0;
  const setup = async () => {
    const t = await openTestStore(backend, { pollIntervalMs: 10 });
    n += 1;
    return { ...t, name: `trn_${backend}_${n}` };
  };

  it("a producer's trace context reaches the handler's run and steps; without one they see none", async () => {
    const { store, name } = await setup();
    const seen: (string | undefined)[] = [];
    const wf = pgqrs.defineWorkflow({ name }, async (run, input: number) => {
      const a = await pgqrs.workflowStep(run, "one", async () => {
        seen.push(trace.getSpanContext(context.active())?.traceId);
        return input + 1;
      });
      return pgqrs.workflowStep(run, "two", async () => {
        seen.push(trace.getSpanContext(context.active())?.traceId);
        return a * 2;
      });
    });
    await pgqrs.workflow().name(wf).create(store);
    const consumer = await store.consumer(name, { name: `${name}-worker` });
    const worker = pgqrs.workflow().name(wf).consumer(consumer).poll(store);
    const traced = await context.with(trace.setSpanContext(context.active(), remote), () =>
      pgqrs.workflow().name(wf).trigger(1).execute(store),
    );
    expect(await traced.result({ timeoutMs: 15_000 })).toBe(4);
    const plain = await pgqrs.workflow().name(wf).trigger(2).execute(store);
    expect(await plain.result({ timeoutMs: 15_000 })).toBe(6);
    await consumer.interrupt();
    await worker;

    expect(traced.headers?.traceparent).toContain(remote.traceId);
    expect(plain.headers ?? null).toBeNull();
    expect(seen).toEqual([remote.traceId, remote.traceId, undefined, undefined]);
  });

  it("a tracer provider registered while a worker runs records the runs it drives next", async () => {
    const { store, name } = await setup();
    const wf = pgqrs.defineWorkflow({ name }, async (run, input: number) =>
      pgqrs.workflowStep(run, "only", async () => input * 10),
    );
    await pgqrs.workflow().name(wf).create(store);
    const consumer = await store.consumer(name, { name: `${name}-worker` });
    const worker = pgqrs.workflow().name(wf).consumer(consumer).poll(store);
    expect(await (await pgqrs.workflow().name(wf).trigger(1).execute(store)).result({ timeoutMs: 15_000 })).toBe(10);

    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    expect(trace.setGlobalTracerProvider(provider)).toBe(true);
    try {
      const later = await pgqrs.workflow().name(wf).trigger(2).execute(store);
      expect(await later.result({ timeoutMs: 15_000 })).toBe(20);
      await consumer.interrupt();
      await worker;
      const names = exporter.getFinishedSpans().map((s) => s.name);
      // The first run (before the provider) recorded nothing; the second its process, run and step spans.
      expect(names.filter((s) => s === `run ${name}`)).toHaveLength(1);
      expect(names.filter((s) => s === `process ${name}`)).toHaveLength(1);
      expect(names.filter((s) => s === "step only")).toHaveLength(1);
      const run = exporter.getFinishedSpans().find((s) => s.name === `run ${name}`);
      expect(run?.attributes["pgqrs.run.status"]).toBe("SUCCESS");
    } finally {
      await provider.shutdown();
      trace.disable();
    }
  });
});
