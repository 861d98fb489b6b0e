/**
 * Workflow versions: a definition may carry a `version`; its triggers carry it in their payload
 * (`{ input, version }`), every statement that creates a run records it (`pgqrs_workflow_runs.version`), and a
 * worker of a version claims only the messages of its version or of none.
 */
import { ValidationError } from "../errors.js";

/** Longest version, in characters. */
export const MAX_VERSION_LENGTH = 64;

/** Which runs a workflow worker executes: `"any"`, or those of these versions (and runs without a version). */
export type WorkerVersions = "any" | readonly string[];

/** `version`, checked: VALIDATION_FAILED unless a string of 1 to 64 characters. */
export function assertVersion(name: string, version: unknown): string {
  if (typeof version !== "string" || version.length === 0 || version.length > MAX_VERSION_LENGTH) {
    throw new ValidationError(`${name} must be a string of 1 to ${MAX_VERSION_LENGTH} characters`, {
      [name]: typeof version === "string" ? version.slice(0, 100) : typeof version,
    });
  }
  return version;
}

/**
 * A trigger's payload: `{ input }`, as pgqrs writes and reads it, plus `version` when the definition has one
 * (pgqrs ignores the extra field).
 */
export function triggerPayload(input: unknown, version: string | undefined): { input: unknown; version?: string } {
  const payload = { input: input === undefined ? null : input };
  return version === undefined ? payload : { ...payload, version };
}

/** The version a trigger payload carries, or `null`. */
export function payloadVersion(payload: unknown): string | null {
  if (payload === null || typeof payload !== "object" || Array.isArray(payload)) return null;
  const version = (payload as { version?: unknown }).version;
  return typeof version === "string" ? version : null;
}

/**
 * The versions a worker of definition `version` claims: `null` for any (an unversioned definition, or
 * `versions: "any"`), else the list (its own version by default). VALIDATION_FAILED for a bad list.
 */
export function resolveWorkerVersions(
  version: string | undefined,
  versions: WorkerVersions | undefined,
): readonly string[] | null {
  if (versions === "any") return null;
  if (versions === undefined) return version === undefined ? null : [version];
  if (!Array.isArray(versions) || versions.length === 0) {
    throw new ValidationError('versions must be "any" or a non-empty array', { versions: String(versions) });
  }
  return versions.map((v, i) => assertVersion(`versions[${i}]`, v));
}
