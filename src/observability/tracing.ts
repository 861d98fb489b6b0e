/**
 * Queue spans, after OpenTelemetry's messaging conventions: `send <queue>` (PRODUCER) around an enqueue, whose
 * context travels with the message in `QueueMessage.headers`; `receive <queue>` (CLIENT) for a claim that returned
 * messages; `process <queue>` (CONSUMER) around a handler, a child of the producer's span for a single message and
 * linked to every producer's span for a batch. Callers first check `otelApi()`: without the API nothing here runs;
 * with the API but no tracer provider, only what carries a trace context on does (see `tracerRegistered`).
 */
import type { Attributes, Context, Link } from "@opentelemetry/api";
import type { QueueMessage } from "../types.js";
import {
  ATTR_MESSAGING_BATCH_MESSAGE_COUNT,
  ATTR_MESSAGING_CONSUMER_GROUP_NAME,
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_MESSAGE_ID,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_SYSTEM,
  ATTR_PGQRS_READ_COUNT,
  MESSAGING_SYSTEM_PGQRS,
  OPERATION_PROCESS,
  OPERATION_RECEIVE,
  OPERATION_SEND,
  spanNames,
} from "./semconv.js";
import type { OtelApiModule } from "./tracing-api.js";
import { extractContext, hasActiveSpan, injectHeaders, tracerOf, tracerRegistered, withSpan } from "./tracing-spans.js";

function messagingAttributes(queue: string, operation: string, count: number): Attributes {
  const attributes: Attributes = {
    [ATTR_MESSAGING_SYSTEM]: MESSAGING_SYSTEM_PGQRS,
    [ATTR_MESSAGING_DESTINATION_NAME]: queue,
    [ATTR_MESSAGING_OPERATION_TYPE]: operation,
    [ATTR_MESSAGING_OPERATION_NAME]: operation,
  };
  if (count > 1) attributes[ATTR_MESSAGING_BATCH_MESSAGE_COUNT] = count;
  return attributes;
}

/**
 * An enqueue of `count` messages to `queue`. Only under an active span (an application's request, a parent
 * handler): there a `send` span starts as its child and `write` gets that span's context as headers, stored on
 * every row. Without one, `write` runs alone with no headers, and the messages carry none (NULL).
 */
export function traceSend(
  api: OtelApiModule,
  queue: string,
  count: number,
  write: (headers: Record<string, string> | undefined) => Promise<QueueMessage[]>,
): Promise<QueueMessage[]> {
  const parent = api.context.active();
  if (!hasActiveSpan(api, parent)) return write(undefined);
  const span = tracerOf(api).startSpan(
    spanNames.send(queue),
    { kind: api.SpanKind.PRODUCER, attributes: messagingAttributes(queue, OPERATION_SEND, count) },
    parent,
  );
  const ctx = api.trace.setSpan(parent, span);
  const headers = injectHeaders(api, ctx);
  return withSpan(
    api,
    span,
    ctx,
    () => write(headers),
    (messages) => {
      const [only] = messages;
      if (messages.length === 1 && only !== undefined) span.setAttribute(ATTR_MESSAGING_MESSAGE_ID, String(only.id));
    },
  );
}

/** Links to the producers' contexts the messages carry. */
function producerLinks(api: OtelApiModule, messages: readonly QueueMessage[]): Link[] {
  const links: Link[] = [];
  for (const m of messages) {
    const ctx = extractContext(api, m.headers);
    const span = ctx === undefined ? undefined : api.trace.getSpan(ctx);
    if (span !== undefined) links.push({ context: span.spanContext() });
  }
  return links;
}

/**
 * A claim of `queue` that began at `startMs` (epoch ms) and returned `messages` (none: no span, so idle polls
 * record nothing), under the caller's active context.
 */
export function recordReceive(
  api: OtelApiModule,
  queue: string,
  consumerName: string,
  startMs: number,
  messages: readonly QueueMessage[],
): void {
  if (messages.length === 0) return;
  const attributes = messagingAttributes(queue, OPERATION_RECEIVE, messages.length);
  attributes[ATTR_MESSAGING_CONSUMER_GROUP_NAME] = consumerName;
  const [only] = messages;
  if (messages.length === 1 && only !== undefined) attributes[ATTR_MESSAGING_MESSAGE_ID] = String(only.id);
  const span = tracerOf(api).startSpan(spanNames.receive(queue), {
    kind: api.SpanKind.CLIENT,
    attributes,
    links: producerLinks(api, messages),
    startTime: startMs,
  });
  span.end();
}

/**
 * A handler run on `messages` of `queue`, as a `process` span: for one message, a child of the producer's span
 * its headers carry (a root span when it carries none) and linked to it; for a batch, a root span linked to every
 * producer's span. `fn` runs with the span active, so workflow runs and steps, and enqueues from the handler, are
 * its children.
 */
export function traceProcess<T>(
  api: OtelApiModule,
  queue: string,
  messages: readonly QueueMessage[],
  fn: () => Promise<T>,
): Promise<T> {
  const [only] = messages;
  // No tracer provider: the span would record nothing, and matters only as the context it makes active, which is
  // the producer's one a single message carries, or none. Without either, `fn` runs as it is.
  if (!tracerRegistered(api) && !hasActiveSpan(api, api.context.active())) {
    if (messages.length > 1 || only === undefined || extractContext(api, only.headers) === undefined) return fn();
  }
  const attributes = messagingAttributes(queue, OPERATION_PROCESS, messages.length);
  let parent: Context = api.ROOT_CONTEXT;
  if (messages.length === 1 && only !== undefined) {
    attributes[ATTR_MESSAGING_MESSAGE_ID] = String(only.id);
    attributes[ATTR_PGQRS_READ_COUNT] = only.readCt;
    parent = extractContext(api, only.headers) ?? api.ROOT_CONTEXT;
  }
  const span = tracerOf(api).startSpan(
    spanNames.process(queue),
    { kind: api.SpanKind.CONSUMER, attributes, links: producerLinks(api, messages) },
    parent,
  );
  return withSpan(api, span, api.trace.setSpan(parent, span), fn);
}
