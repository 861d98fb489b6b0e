/**
 * OpenTelemetry spans on both backends, recorded by the SDK's in-memory exporter: one trace from an application's
 * span through the enqueue (`send`), the handler (`process`), a workflow run and its steps; batches; enqueues with
 * no active span (no headers, no span); and the library working as usual without the API at all.
 */
import { SpanKind, trace } from "@opentelemetry/api";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { requireOtelApi, setOtelApiLoader } from "../../src/observability/tracing-api.js";
import { BACKENDS } from "../support/backends.js";
import { openTestStore } from "../support/stores.js";
import { parentOf, setUpTracing } from "./otel-setup.js";

const tracing = setUpTracing();
afterAll(() => tracing.shutdown());
beforeEach(() => tracing.exporter.reset());

describe.each(BACKENDS)("tracing on %s", (backend) => {
  let n = 0;
  const setup = async () => {
    const t = await openTestStore(backend, { pollIntervalMs: 10 });
    n += 1;
    return { ...t, name: `tr_${backend}_${n}` };
  };

  it("one trace: the application's span → send → process → run → each step", async () => {
    const { store, name } = await setup();
    const wf = pgqrs.defineWorkflow({ name }, async (run, input: { id: number }) => {
      const a = await pgqrs.workflowStep(run, "fetch", async () => input.id + 1);
      return pgqrs.workflowStep(run, "store", async () => ({ stored: a }));
    });
    await pgqrs.workflow().name(wf).create(store);
    const consumer = await store.consumer(name, { name: `${name}-worker` });
    const worker = pgqrs.workflow().name(wf).consumer(consumer).poll(store);
    const msg = await tracing.inSpan("POST /tasks", () => pgqrs.workflow().name(wf).trigger({ id: 1 }).execute(store));
    expect(await pgqrs.run().message(msg).store(store).result({ timeoutMs: 15_000 })).toEqual({ stored: 2 });
    await consumer.interrupt();
    await worker;

    const request = tracing.span("POST /tasks");
    const send = tracing.span(`send ${name}`);
    const process = tracing.span(`process ${name}`);
    const run = tracing.span(`run ${name}`);
    const steps = [tracing.span("step fetch"), tracing.span("step store")];
    const traceId = request.spanContext().traceId;
    for (const s of [send, process, run, ...steps]) expect(s.spanContext().traceId).toBe(traceId);
    expect(parentOf(send)).toBe(request.spanContext().spanId);
    expect(parentOf(process)).toBe(send.spanContext().spanId);
    expect(process.links.map((l) => l.context.spanId)).toEqual([send.spanContext().spanId]);
    expect(parentOf(run)).toBe(process.spanContext().spanId);
    for (const s of steps) expect(parentOf(s)).toBe(run.spanContext().spanId);

    expect(send.kind).toBe(SpanKind.PRODUCER);
    expect(send.attributes).toMatchObject({
      "messaging.system": "pgqrs",
      "messaging.destination.name": name,
      "messaging.operation.type": "send",
      "messaging.message.id": String(msg.id),
    });
    expect(send.attributes["messaging.batch.message_count"]).toBeUndefined();
    expect(process.kind).toBe(SpanKind.CONSUMER);
    expect(process.attributes).toMatchObject({
      "messaging.system": "pgqrs",
      "messaging.destination.name": name,
      "messaging.operation.type": "process",
      "messaging.message.id": String(msg.id),
    });
    expect(run.attributes).toMatchObject({ "pgqrs.workflow.name": name, "pgqrs.run.status": "SUCCESS" });
    expect(steps.map((s) => s.attributes["pgqrs.step.replayed"])).toEqual([false, false]);

    // The context travels beside the payload, never inside it.
    const stored = await store.tables().messages().get(msg.id);
    expect(stored?.headers?.traceparent).toContain(send.spanContext().spanId);
    expect(stored?.payload).toEqual({ input: { id: 1 } });
  });

  it("a queue handler's span is the producer's child, active while the handler runs; failures are recorded", async () => {
    const { store, name } = await setup();
    await store.queue(name);
    const consumer = await store.consumer(name, { name: `${name}-c` });
    const activeInHandler: (string | undefined)[] = [];
    const loop = pgqrs
      .dequeue()
      .worker(consumer)
      .handle(async (m) => {
        activeInHandler.push(trace.getActiveSpan()?.spanContext().spanId);
        if ((m.payload as { fail?: boolean }).fail === true) throw new Error("boom");
      })
      .poll(store);
    await tracing.inSpan("job", () => store.producer(name).then((p) => p.enqueue({ fail: true })));
    await expect.poll(() => tracing.spans(`process ${name}`).length, { timeout: 15_000 }).toBe(1);
    await consumer.interrupt();
    await loop;
    const send = tracing.span(`send ${name}`);
    const process = tracing.span(`process ${name}`);
    expect(parentOf(process)).toBe(send.spanContext().spanId);
    expect(activeInHandler).toEqual([process.spanContext().spanId]);
    expect(process.status.code).toBe(2); // ERROR
    expect(process.attributes["error.type"]).toBe("Error");
    expect(process.events.map((e) => e.name)).toContain("exception");
  });

  it("a batch enqueue is one send span; its messages carry its context; a batch claim is one receive span", async () => {
    const { store, name } = await setup();
    await store.queue(name);
    const producer = await store.producer(name);
    const sent = await tracing.inSpan("import", () => producer.enqueueBatch([{ n: 1 }, { n: 2 }, { n: 3 }]));
    const send = tracing.span(`send ${name}`);
    expect(send.attributes["messaging.batch.message_count"]).toBe(3);
    expect(send.attributes["messaging.message.id"]).toBeUndefined();
    const consumer = await store.consumer(name);
    const claimed = await consumer.dequeue({ batchSize: 3 });
    expect(claimed.map((m) => m.id)).toEqual(sent.map((m) => m.id));
    for (const m of claimed) expect(m.headers?.traceparent).toContain(send.spanContext().spanId);
    const receive = tracing.span(`receive ${name}`);
    expect(receive.kind).toBe(SpanKind.CLIENT);
    expect(receive.attributes).toMatchObject({
      "messaging.operation.type": "receive",
      "messaging.batch.message_count": 3,
    });
    expect(receive.links.map((l) => l.context.spanId)).toEqual(Array(3).fill(send.spanContext().spanId));
    // An empty claim records nothing (idle polls make no spans).
    await consumer.dequeue({ batchSize: 3 });
    expect(tracing.spans(`receive ${name}`)).toHaveLength(1);
    await consumer.archiveMany(claimed.map((m) => m.id));
  });

  it("messages enqueued with no active span carry no headers and make no send span", async () => {
    const { store, name } = await setup();
    await store.queue(name);
    const producer = await store.producer(name);
    const one = await producer.enqueue({ n: 1 });
    const many = await producer.enqueueBatch([{ n: 2 }, { n: 3 }]);
    expect(one.headers).toBeNull();
    expect(many.map((m) => m.headers)).toEqual([null, null]);
    expect(tracing.spans(`send ${name}`)).toHaveLength(0);
    const consumer = await store.consumer(name);
    const claimed = await consumer.dequeue({ batchSize: 3 });
    expect(claimed.map((m) => m.headers)).toEqual([null, null, null]);
    expect((await store.tables().messages().get(one.id))?.headers).toBeNull();
    // A handler of such a message still gets a (root) process span.
    const loop = pgqrs
      .dequeue()
      .worker(consumer)
      .handle(async () => undefined)
      .poll(store);
    await consumer.releaseMany(claimed.map((m) => m.id));
    await expect.poll(() => tracing.spans(`process ${name}`).length, { timeout: 15_000 }).toBe(3);
    await consumer.interrupt();
    await loop;
    for (const s of tracing.spans(`process ${name}`)) {
      expect(parentOf(s)).toBeUndefined();
      expect(s.links).toEqual([]);
    }
  });

  it("without @opentelemetry/api the library works and writes no headers", async () => {
    // The default loader finds the installed package; a loader that finds nothing stands for its absence.
    expect(typeof requireOtelApi()?.trace.getTracer).toBe("function");
    const { store, name } = await setup();
    setOtelApiLoader(() => null);
    try {
      await store.queue(name);
      const producer = await store.producer(name);
      const consumer = await store.consumer(name);
      const handled: number[] = [];
      const loop = pgqrs
        .dequeue()
        .worker(consumer)
        .handle(async (m) => {
          handled.push(m.id);
        })
        .poll(store);
      const msg = await tracing.inSpan("no-api", () => producer.enqueue({ n: 1 }));
      expect(msg.headers).toBeNull();
      await expect.poll(() => handled, { timeout: 15_000 }).toEqual([msg.id]);
      await consumer.interrupt();
      await loop;
      expect((await store.tables().messages().get(msg.id))?.headers).toBeNull();
      expect(tracing.spans(`send ${name}`)).toHaveLength(0);
      expect(tracing.spans(`process ${name}`)).toHaveLength(0);
    } finally {
      setOtelApiLoader();
    }
  });
});
