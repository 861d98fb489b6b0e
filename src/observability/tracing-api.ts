/**
 * The optional OpenTelemetry API: loaded lazily, once, with `require` (synchronous, so the first traced call needs
 * no await), and `null` when `@opentelemetry/api` is not installed. Every traced path checks it first: without the
 * package it does nothing more than that check. The API keeps its registrations (tracer provider, context manager,
 * propagator) on a process-wide global, so this copy sees what the application registered through its own import,
 * whether that import was ESM or CommonJS.
 */
import { createRequire } from "node:module";
import type * as OtelApi from "@opentelemetry/api";
import { tracerRegistered } from "./tracing-spans.js";

/** The `@opentelemetry/api` module. */
export type OtelApiModule = typeof OtelApi;

/** Finds the OpenTelemetry API, or says it is absent (`null`). */
export type OtelApiLoader = () => OtelApiModule | null;

const requireHere = createRequire(import.meta.url);

/** The default loader: `require("@opentelemetry/api")`, `null` when it cannot be resolved or loaded. */
export const requireOtelApi: OtelApiLoader = () => {
  try {
    return requireHere("@opentelemetry/api") as OtelApiModule;
  } catch {
    return null;
  }
};

let loader: OtelApiLoader = requireOtelApi;
let loaded: OtelApiModule | null | undefined;

/** The OpenTelemetry API, or `null` when it is not installed (looked up once). */
export function otelApi(): OtelApiModule | null {
  if (loaded === undefined) loaded = loader();
  return loaded;
}

/**
 * @internal Replace the loader (tests: a loader returning `null` stands for an application without the package).
 * The next {@link otelApi} call uses it. Without an argument, the default loader comes back.
 */
export function setOtelApiLoader(next: OtelApiLoader = requireOtelApi): void {
  loader = next;
  loaded = undefined;
}

/**
 * The OpenTelemetry API when spans may be recorded (see `tracerRegistered`), else `null`: for spans that only
 * continue the active context (a run's, a step's, a claim's), which without a tracer provider would record nothing
 * and change no context.
 */
export function recordingOtelApi(): OtelApiModule | null {
  const api = otelApi();
  return api !== null && tracerRegistered(api) ? api : null;
}
