/**
 * Reading a workflow's trigger payload: the message a run is keyed by carries `{ input, scheduledAt? }` (or, from
 * older producers, the input alone).
 */

/** The workflow input inside a trigger payload (`{ input: … }`), or the whole payload. */
export function triggerInput(payload: unknown): unknown {
  if (payload !== null && typeof payload === "object" && !Array.isArray(payload) && "input" in payload) {
    return (payload as { input: unknown }).input;
  }
  return payload;
}

/** The schedule tick in a trigger payload (`scheduledAt`, an ISO time), or `null` when it has none. */
export function triggerScheduledAt(payload: unknown): Date | null {
  if (payload === null || typeof payload !== "object" || Array.isArray(payload)) return null;
  const at = (payload as { scheduledAt?: unknown }).scheduledAt;
  const ms = typeof at === "string" ? Date.parse(at) : Number.NaN;
  return Number.isNaN(ms) ? null : new Date(ms);
}
