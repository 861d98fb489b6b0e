/**
 * What every pgqrs span shares: the tracer, how a failure is recorded, and the trace context a message carries
 * (`QueueMessage.headers`, W3C `traceparent`/`tracestate` through the API's registered propagator).
 */
import type { Context, Span, Tracer, TracerProvider } from "@opentelemetry/api";
import { PgqrsError } from "../errors.js";
import { ATTR_ERROR_TYPE, TRACER_NAME } from "./semconv.js";
import type { OtelApiModule } from "./tracing-api.js";

let cachedTracer: { provider: TracerProvider; tracer: Tracer } | undefined;

/**
 * The pgqrs tracer of the global provider now. The global provider hands out a proxy that follows a provider
 * registered later, so one tracer serves until `trace.disable()` replaces that proxy with a new one.
 */
export function tracerOf(api: OtelApiModule): Tracer {
  const provider = api.trace.getTracerProvider();
  if (cachedTracer?.provider !== provider) cachedTracer = { provider, tracer: provider.getTracer(TRACER_NAME) };
  return cachedTracer.tracer;
}

let noopProvider: { api: OtelApiModule; provider: TracerProvider } | undefined;

/**
 * Whether spans may be recorded: a tracer provider is registered (an SDK), or the global provider is not this copy
 * of the API's own proxy (another copy registered it, so this one cannot tell). Without one, the API's tracer hands
 * out non-recording spans that only repeat their parent's context, so a run's and a step's span change nothing and
 * are skipped. Checked on every call: an SDK registered after a worker started is seen by its next run.
 */
export function tracerRegistered(api: OtelApiModule): boolean {
  const provider = api.trace.getTracerProvider();
  if (!(provider instanceof api.ProxyTracerProvider)) return true;
  // A fresh proxy's delegate is the API's no-op provider (a singleton of the API module).
  if (noopProvider?.api !== api) noopProvider = { api, provider: new api.ProxyTracerProvider().getDelegate() };
  return provider.getDelegate() !== noopProvider.provider;
}

/** Mark `span` failed with `err`: the exception event, status ERROR and `error.type` (the code or class name). */
export function recordFailure(api: OtelApiModule, span: Span, err: unknown): void {
  const type = err instanceof PgqrsError ? err.code : err instanceof Error ? err.name : typeof err;
  span.setAttribute(ATTR_ERROR_TYPE, type);
  if (err instanceof Error) span.recordException(err);
  span.setStatus({ code: api.SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
}

/**
 * Run `fn` as `span`'s work, with `ctx` active: ends the span when `fn` settles, recording a failure first. `done`
 * may add attributes from the result.
 */
export async function withSpan<T>(
  api: OtelApiModule,
  span: Span,
  ctx: Context,
  fn: () => Promise<T>,
  done?: (result: T) => void,
): Promise<T> {
  try {
    const result = await api.context.with(ctx, fn);
    done?.(result);
    return result;
  } catch (err) {
    recordFailure(api, span, err);
    throw err;
  } finally {
    span.end();
  }
}

/** True when `ctx` holds a valid span context (an active trace to continue). */
export function hasActiveSpan(api: OtelApiModule, ctx: Context): boolean {
  const span = api.trace.getSpan(ctx);
  return span !== undefined && api.trace.isSpanContextValid(span.spanContext());
}

/** The trace context of `ctx` as message headers, or `undefined` when the propagator wrote nothing. */
export function injectHeaders(api: OtelApiModule, ctx: Context): Record<string, string> | undefined {
  const carrier: Record<string, string> = {};
  api.propagation.inject(ctx, carrier);
  for (const _ in carrier) return carrier;
  return undefined;
}

/** The producer's context carried by a message (on the root context), or `undefined` when it carries none. */
export function extractContext(api: OtelApiModule, headers: Record<string, string> | null): Context | undefined {
  if (headers === null) return undefined;
  const ctx = api.propagation.extract(api.ROOT_CONTEXT, headers);
  return hasActiveSpan(api, ctx) ? ctx : undefined;
}

/** Epoch milliseconds with sub-millisecond precision, for spans recorded after the fact. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}
