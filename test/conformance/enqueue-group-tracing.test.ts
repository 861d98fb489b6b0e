/**
 * Group commit with OpenTelemetry, on both backends: 16 concurrent callers, each under its own application span,
 * share inserts, yet each message carries its own caller's trace context and each `send` span names its own
 * message.
 */
// The package first, as an application would import it (the test support modules reach into the store registry).
import "../../src/index.js";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { setUpTracing } from "../observability/otel-setup.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { openTestStore } from "../support/stores.js";

const tracing = setUpTracing();
afterAll(() => tracing.shutdown());
beforeEach(() => tracing.exporter.reset());

const CALLERS = 16;

describe.each(EVERY_BACKEND)("group commit traced on %s", (backend) => {
  it("each message carries its own caller's context, each send span its own message id", async () => {
    const { store } = await openTestStore(backend);
    const queue = `traced_${backend}`;
    await store.queue(queue);
    const producer = await store.producer(queue);
    const sent = await Promise.all(
      Array.from({ length: CALLERS }, (_, i) =>
        tracing.inSpan(`request ${i}`, async (span) => ({
          message: await producer.enqueue({ caller: i }),
          traceId: span.spanContext().traceId,
        })),
      ),
    );
    const sends = tracing.spans(`send ${queue}`);
    expect(sends).toHaveLength(CALLERS);
    for (const [i, { message, traceId }] of sent.entries()) {
      const send = sends.find((s) => s.attributes["messaging.message.id"] === String(message.id));
      expect(send?.spanContext().traceId).toBe(traceId);
      const stored = await store.tables().messages().get(message.id);
      expect(stored?.payload).toEqual({ caller: i });
      expect(stored?.headers?.traceparent).toBe(`00-${traceId}-${send?.spanContext().spanId}-01`);
      expect(message.headers).toEqual(stored?.headers);
    }
  });
});
