/**
 * Workflow spans: `run <workflow>` around one delivery of a run (a child of the `process` span of its message), and
 * `step <name>` around each durable step (a child of the run's span). INTERNAL spans with `pgqrs.*` attributes.
 * Callers first check `recordingOtelApi()`: without the API, or without a tracer provider, nothing here runs.
 */
import {
  ATTR_PGQRS_RUN_ID,
  ATTR_PGQRS_RUN_STATUS,
  ATTR_PGQRS_STEP_NAME,
  ATTR_PGQRS_STEP_REPLAYED,
  ATTR_PGQRS_WORKFLOW_NAME,
  spanNames,
} from "./semconv.js";
import type { OtelApiModule } from "./tracing-api.js";
import { tracerOf, withSpan } from "./tracing-spans.js";

/** The run of `workflow` (`runId`) driven by `fn`; `statusOf` reads the run's status when `fn` is done. */
export function traceRun<T>(
  api: OtelApiModule,
  workflow: string,
  runId: number,
  fn: () => Promise<T>,
  statusOf: () => string,
): Promise<T> {
  const parent = api.context.active();
  const span = tracerOf(api).startSpan(
    spanNames.run(workflow),
    { kind: api.SpanKind.INTERNAL, attributes: { [ATTR_PGQRS_WORKFLOW_NAME]: workflow, [ATTR_PGQRS_RUN_ID]: runId } },
    parent,
  );
  return withSpan(api, span, api.trace.setSpan(parent, span), fn, () =>
    span.setAttribute(ATTR_PGQRS_RUN_STATUS, statusOf()),
  );
}

/** Step `step` of run `runId`, executed (or replayed) by `fn`; `replayed` says which, once `fn` is done. */
export function traceStep<T>(
  api: OtelApiModule,
  step: string,
  runId: number,
  fn: () => Promise<T>,
  replayed: () => boolean,
): Promise<T> {
  const parent = api.context.active();
  const span = tracerOf(api).startSpan(
    spanNames.step(step),
    { kind: api.SpanKind.INTERNAL, attributes: { [ATTR_PGQRS_STEP_NAME]: step, [ATTR_PGQRS_RUN_ID]: runId } },
    parent,
  );
  return withSpan(api, span, api.trace.setSpan(parent, span), fn, () =>
    span.setAttribute(ATTR_PGQRS_STEP_REPLAYED, replayed()),
  );
}
