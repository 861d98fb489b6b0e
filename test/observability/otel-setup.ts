/**
 * An OpenTelemetry SDK set up as an application would, recording spans in memory: a tracer provider with a simple
 * processor and the in-memory exporter, the AsyncLocalStorage context manager and the W3C trace-context
 * propagator, all registered globally for this test file (vitest runs each file in its own worker).
 */
import { context, propagation, type Span, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";

export interface InMemoryTracing {
  exporter: InMemorySpanExporter;
  /** Finished spans named `name`. */
  spans(name: string): ReadableSpan[];
  /** The one finished span named `name` (fails when there is not exactly one). */
  span(name: string): ReadableSpan;
  /** Run `fn` under a new active span named `name` (the application's own, e.g. an HTTP request). */
  inSpan<T>(name: string, fn: (span: Span) => Promise<T>): Promise<T>;
  shutdown(): Promise<void>;
}

export function setUpTracing(): InMemoryTracing {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  trace.setGlobalTracerProvider(provider);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  const tracer = trace.getTracer("app");
  const spans = (name: string) => exporter.getFinishedSpans().filter((s) => s.name === name);
  return {
    exporter,
    spans,
    span(name) {
      const found = spans(name);
      if (found.length !== 1) throw new Error(`expected one span '${name}', found ${found.length}`);
      return found[0] as ReadableSpan;
    },
    inSpan(name, fn) {
      return tracer.startActiveSpan(name, async (span) => {
        try {
          return await fn(span);
        } finally {
          span.end();
        }
      });
    },
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

/** The id of a span's parent, or undefined for a root span (SDK 2: `parentSpanContext`). */
export function parentOf(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}
