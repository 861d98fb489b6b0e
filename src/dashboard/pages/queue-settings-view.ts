/**
 * The queue page's settings (issue 17): the retry policy in force with each default spelled out, the concurrency
 * limit beside the messages leased now, the rate limit; and the "Update settings" form, confirmed in a dialog and
 * posted with the page secret like every action (the server checks the values with the library's rules and writes
 * nothing on a refusal).
 */
import type { RetryPolicy } from "../../queue-controls-types.js";
import { DEFAULT_RETRY, resolveRetryPolicy } from "../../queue/retry-backoff.js";
import type { QueueRecord } from "../../types.js";
import { duration, num } from "../format.js";
import { type Html, html } from "../html.js";

type Field = keyof RetryPolicy;

/** Label, and how a value reads (`1 s`, `× 2`, `20 %`). */
const RETRY_ROWS: readonly { field: Field; label: string; show: (v: number) => string }[] = [
  { field: "maxAttempts", label: "Attempts", show: (v) => `${num(v)} deliveries, then dead-lettered` },
  { field: "baseMs", label: "First retry after", show: (v) => duration(v) },
  { field: "factor", label: "Growth per failure", show: (v) => `× ${v}` },
  { field: "maxMs", label: "Longest wait", show: (v) => duration(v) },
  { field: "jitter", label: "Jitter", show: (v) => `up to ${Math.round(v * 100)} % shorter` },
];

/** The settings card: what limits the queue, how failures are retried, and the form to change it (not when read-only). */
export function queueSettings(
  queue: QueueRecord,
  leasedNow: number,
  maxReadCt: number,
  opts: { readOnly?: boolean } = {},
): Html {
  const policy = resolveRetryPolicy(queue, maxReadCt);
  const own = queue.retry ?? {};
  const limit =
    queue.concurrencyLimit === null
      ? html`<span class="muted">no limit</span>`
      : html`${num(queue.concurrencyLimit)} at once <span class="muted">(${num(leasedNow)} leased now)</span>`;
  const rate =
    queue.rateLimit === null
      ? html`<span class="muted">no limit</span>`
      : html`${num(queue.rateLimit.max)} claims per ${queue.rateLimit.perSeconds} s`;
  return html`<div class="card settings" data-testid="queue-settings">
    <h2>Settings</h2>
    <div class="kv">
      <div><span>Concurrency limit</span><b data-testid="setting-concurrency">${limit}</b></div>
      <div><span>Rate limit</span><b data-testid="setting-rate">${rate}</b></div>
      ${RETRY_ROWS.map(
        (r) =>
          html`<div><span>${r.label}</span><b data-testid="setting-retry-${r.field}">${r.show(policy[r.field])}${
            own[r.field] === undefined
              ? html` <span class="muted default">(default${r.field === "maxAttempts" ? ": maxReadCt" : ""})</span>`
              : ""
          }</b></div>`,
      )}
    </div>
    ${opts.readOnly === true ? "" : settingsForm(queue, maxReadCt)}
  </div>`;
}

/** Every field of the form; an empty one clears the setting (no limit, or the retry default). */
function settingsForm(queue: QueueRecord, maxReadCt: number): Html {
  const own = queue.retry ?? {};
  const input = (name: string, label: string, value: number | undefined, placeholder: string, step = "1") =>
    html`<label>${label}<input type="number" name="${name}" step="${step}" value="${value ?? ""}"
      placeholder="${placeholder}" autocomplete="off"></label>`;
  const defaults: Record<Field, string> = {
    maxAttempts: `${maxReadCt} (default)`,
    baseMs: `${DEFAULT_RETRY.baseMs} (default)`,
    factor: `${DEFAULT_RETRY.factor} (default)`,
    maxMs: `${DEFAULT_RETRY.maxMs} (default)`,
    jitter: `${DEFAULT_RETRY.jitter} (default)`,
  };
  return html`<details data-key="settings-form-${queue.id}"><summary>Update settings…</summary>
    <form class="queue-settings" method="post" action="/actions/queues/${queue.id}/settings" data-keep-input="1"
      data-title="Update the settings of ${queue.queueName}?"
      data-confirm="Empty fields clear their setting (no limit, or the retry default). Loops apply the new settings at their next maintenance; the limits hold across every process from the next claim on."
      data-verb="Update settings">
      ${input("concurrencyLimit", "Concurrency limit", queue.concurrencyLimit ?? undefined, "no limit")}
      ${input("rateMax", "Rate limit: claims", queue.rateLimit?.max, "no limit")}
      ${input("ratePerSeconds", "per seconds", queue.rateLimit?.perSeconds, "no limit", "any")}
      ${input("maxAttempts", "Attempts", own.maxAttempts, defaults.maxAttempts)}
      ${input("baseMs", "First retry after, ms", own.baseMs, defaults.baseMs)}
      ${input("factor", "Growth per failure", own.factor, defaults.factor, "any")}
      ${input("maxMs", "Longest wait, ms", own.maxMs, defaults.maxMs)}
      ${input("jitter", "Jitter (0 to 1)", own.jitter, defaults.jitter, "any")}
      <div><button type="submit" class="primary" data-testid="update-settings">Update settings</button></div>
    </form></details>`;
}
