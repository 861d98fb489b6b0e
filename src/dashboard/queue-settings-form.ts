/**
 * The queue page's "Update settings" form, read into the library's settings. The form always carries every field,
 * so it states the whole settings: an empty field clears its setting (`null`: no limit; a retry field left out
 * takes its default; no retry field at all: `retry: null`). Values are checked by the library's rules
 * (`updateQueue`), which name the field.
 */
import type { QueueSettingsOptions, RetryOptions } from "../queue-controls-types.js";

const RETRY_FIELDS = ["maxAttempts", "baseMs", "factor", "maxMs", "jitter"] as const;

/** Form field → what the error message calls it. */
const LABELS: Record<string, string> = {
  concurrencyLimit: "Concurrency limit",
  rateMax: "Rate limit (claims)",
  ratePerSeconds: "Rate limit (per seconds)",
  maxAttempts: "Attempts",
  baseMs: "First retry after, ms",
  factor: "Growth per failure",
  maxMs: "Longest wait, ms",
  jitter: "Jitter",
};

/** Every field of the form, in its order (an empty value clears that setting). */
export const SETTINGS_FORM_FIELDS: readonly string[] = Object.keys(LABELS);

/** The settings the form states, or why it cannot be read (a field that is not a number, half a rate limit). */
export function settingsFromForm(form: URLSearchParams): { settings: QueueSettingsOptions } | { invalid: string } {
  const numbers = new Map<string, number | null>();
  for (const name of Object.keys(LABELS)) {
    const text = (form.get(name) ?? "").trim();
    if (text === "") {
      numbers.set(name, null);
      continue;
    }
    const n = Number(text);
    if (!Number.isFinite(n))
      return { invalid: `${LABELS[name]} must be a number (or empty), got '${text.slice(0, 40)}'` };
    numbers.set(name, n);
  }
  const rateMax = numbers.get("rateMax") ?? null;
  const perSeconds = numbers.get("ratePerSeconds") ?? null;
  if ((rateMax === null) !== (perSeconds === null)) {
    return { invalid: "A rate limit needs both its number of claims and its window in seconds (or neither: no limit)" };
  }
  const retry: RetryOptions = {};
  for (const field of RETRY_FIELDS) {
    const v = numbers.get(field);
    if (v !== null && v !== undefined) retry[field] = v;
  }
  return {
    settings: {
      concurrencyLimit: numbers.get("concurrencyLimit") ?? null,
      rateLimit: rateMax === null || perSeconds === null ? null : { max: rateMax, perSeconds },
      retry: Object.keys(retry).length === 0 ? null : retry,
    },
  };
}
