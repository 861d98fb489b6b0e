/**
 * The queue page's queue controls (issue 17) over HTTP, on each backend: the settings card spells out the retry
 * policy (own values and defaults), the concurrency limit beside the messages leased now and the rate limit; the
 * "Update settings" form is confirmed and guarded like every action (page secret, token beyond loopback, same
 * origin) and refusals (bad values, unknown queue, malformed id) write nothing; message rows show priority, group
 * and dedup keys and the last error, escaped (an error message carrying markup shows as text).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import type { QueueRecord, Store } from "../../src/index.js";
import { BACKENDS } from "../support/backends.js";
import { openTestStore } from "../support/stores.js";
import { type ActionReply, csrfOf, postAction, settingsForm, signIn, startDashboardPair } from "./post-action.js";

/** What a failing handler throws: markup that would run in the page if it were not escaped. */
const XSS = `<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">`;

describe.each(BACKENDS)("queue page: settings and message controls (%s)", (backend) => {
  let store: Store;
  let base = "";
  let guarded = "";
  const closers: (() => Promise<unknown>)[] = [];
  let limited: QueueRecord;
  let plain: QueueRecord;
  let failedId = 0;
  let keyedId = 0;

  const admin = () => pgqrs.admin(store);
  const settingsOf = async (name: string) => {
    const q = await admin().getQueue(name);
    return { retry: q.retry, concurrencyLimit: q.concurrencyLimit, rateLimit: q.rateLimit };
  };
  const page = async (q: QueueRecord): Promise<string> => {
    const res = await fetch(`${base}/queues/${q.id}`);
    expect(res.status).toBe(200);
    return res.text();
  };
  /** The inner text of the element with `data-testid=id`, tags stripped. */
  const testId = (body: string, id: string): string => {
    const m = new RegExp(`data-testid="${id}"[^>]*>(.*?)</(b|td|span)>`, "s").exec(body);
    return (m?.[1] ?? "")
      .replace(/<[^>]+>/g, "")
      .replace(/\s+/g, " ")
      .trim();
  };
  const post = postAction;
  const act = async (path: string, fields: Record<string, string>): Promise<ActionReply> =>
    post(base, path, { "x-pgqrs-csrf": await csrfOf(base) }, fields);
  /** Every field of the form, as the page posts it (empty: cleared). */
  const form = settingsForm;

  beforeAll(async () => {
    ({ store } = await openTestStore(backend));
    limited = await admin().createQueue(`dash_limited_${backend}`, {
      concurrencyLimit: 2,
      rateLimit: { max: 10, perSeconds: 1 },
      retry: { baseMs: 500 },
    });
    plain = await admin().createQueue(`dash_plain_${backend}`);
    const producer = await store.producer(plain.queueName, "dash-producer");
    keyedId = (await producer.enqueue({ n: 1 }, { priority: -3, groupKey: "g<1>", dedupKey: 'd&"1"' })).id;
    failedId = (await producer.enqueue({ n: 2 }, { priority: 7 })).id;
    // The higher priority is claimed first: that message fails (and waits for its retry), the other stays pending.
    const err = await pgqrs
      .dequeue()
      .from(plain.queueName)
      .handle(() => {
        throw new TypeError(XSS);
      })
      .execute(store)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
    // One message of the limited queue under a lease.
    await (await store.producer(limited.queueName, "dash-limited-producer")).enqueue({ n: 3 });
    const consumer = await store.consumer(limited.queueName, "dash-holder");
    const held = await pgqrs.dequeue().worker(consumer).withVt(3600).fetchOne(store);
    expect(held).not.toBeNull();

    const dashboards = await startDashboardPair(store);
    closers.push(dashboards.close);
    ({ base, guarded } = dashboards);
  }, 60_000);

  afterAll(async () => {
    for (const close of closers) await close().catch(() => undefined);
  });

  it("shows the settings: the limits with the messages leased now, each retry field with its default spelled out", async () => {
    const body = await page(limited);
    expect(testId(body, "setting-concurrency")).toBe("2 at once (1 leased now)");
    expect(testId(body, "setting-rate")).toBe("10 claims per 1 s");
    expect(testId(body, "setting-retry-baseMs")).toBe("500 ms");
    expect(testId(body, "setting-retry-maxAttempts")).toBe("5 deliveries, then dead-lettered (default: maxReadCt)");
    expect(testId(body, "setting-retry-factor")).toBe("× 2 (default)");
    expect(testId(body, "setting-retry-maxMs")).toBe("5 min (default)");
    expect(testId(body, "setting-retry-jitter")).toBe("up to 20 % shorter (default)");
    // The form is confirmed in a dialog, posts to the queue's settings action and starts from the stored values.
    expect(body).toMatch(
      new RegExp(
        `<form class="queue-settings" method="post" action="/actions/queues/${limited.id}/settings"[^>]*data-confirm="`,
      ),
    );
    expect(body).toMatch(/name="concurrencyLimit" step="1" value="2"/);
    expect(body).toMatch(/name="baseMs" step="1" value="500"/);
    expect(body).toMatch(/name="factor" step="any" value=""\s+placeholder="2 \(default\)"/);

    const none = await page(plain);
    expect(testId(none, "setting-concurrency")).toBe("no limit");
    expect(testId(none, "setting-rate")).toBe("no limit");
    expect(testId(none, "setting-retry-baseMs")).toBe("1.0 s (default)");
  });

  it("shows each message's priority, keys and last error, escaped", async () => {
    const body = await page(plain);
    const row = (id: number) =>
      /<tr data-message="(\d+)">.*?<\/tr>/gs.exec(body.slice(body.indexOf(`<tr data-message="${id}"`)))?.[0] ?? "";
    const keyed = row(keyedId);
    expect(testId(keyed, "priority")).toBe("-3");
    expect(keyed).toContain('data-testid="group-key">g&lt;1&gt;</span>');
    expect(keyed).toContain('data-testid="dedup-key">d&amp;&quot;1&quot;</span>');
    const failed = row(failedId);
    expect(testId(failed, "priority")).toBe("7");
    expect(testId(failed, "last-error")).toContain("TypeError: &lt;script&gt;window.__pwned = 1&lt;/script&gt;");
    expect(testId(failed, "last-error")).toContain("(attempt 1)");
    // The tooltip has the whole error: the message, the attempt and the head of the stack.
    expect(failed).toMatch(/title="TypeError: &lt;script&gt;.*attempt 1, failed at \d{4}-.*at /s);
    // Nowhere on the page does the markup survive as markup.
    expect(body).not.toContain("<script>window.__pwned");
    expect(body).not.toContain("<img src=x");
    expect(body).not.toContain('onerror="window');
    // The message viewer's JSON carries the error (the script shows it as text).
    const api = (await (await fetch(`${base}/api/messages/${failedId}`)).json()) as pgqrs.QueueMessage;
    expect(api.lastError).toMatchObject({ name: "TypeError", message: XSS, attempt: 1 });
  });

  it("updates the settings from the form: given fields set, empty fields cleared", async () => {
    const ok = await act(
      `/actions/queues/${limited.id}/settings`,
      form({ concurrencyLimit: "3", maxAttempts: "8", baseMs: "250", factor: "1.5" }),
    );
    expect(ok).toEqual({ status: 200, body: { ok: true, message: `Settings of ${limited.queueName} updated` } });
    expect(await settingsOf(limited.queueName)).toEqual({
      concurrencyLimit: 3,
      rateLimit: null,
      retry: { maxAttempts: 8, baseMs: 250, factor: 1.5 },
    });
    const body = await page(limited);
    expect(testId(body, "setting-concurrency")).toBe("3 at once (1 leased now)");
    expect(testId(body, "setting-rate")).toBe("no limit");
    expect(testId(body, "setting-retry-factor")).toBe("× 1.5");
    const back = await act(
      `/actions/queues/${limited.id}/settings`,
      form({ concurrencyLimit: "2", rateMax: "10", ratePerSeconds: "1", baseMs: "500" }),
    );
    expect(back.status).toBe(200);
    expect(await settingsOf(limited.queueName)).toEqual({
      concurrencyLimit: 2,
      rateLimit: { max: 10, perSeconds: 1 },
      retry: { baseMs: 500 },
    });
  });

  it("refuses bad values, an unknown queue and a malformed id with a clear message, writing nothing", async () => {
    const before = await settingsOf(limited.queueName);
    const path = `/actions/queues/${limited.id}/settings`;
    const zero = await act(path, form({ concurrencyLimit: "0" }));
    expect(zero.status).toBe(400);
    expect(zero.body.message).toMatch(
      /concurrencyLimit must be an integer from 1 to 10000, got 0; nothing was changed/,
    );
    const cap = await act(path, form({ baseMs: "5000", maxMs: "100" }));
    expect(cap.status).toBe(400);
    expect(cap.body.message).toContain("retry.maxMs");
    const text = await act(path, form({ factor: "fast" }));
    expect(text.status).toBe(400);
    expect(text.body.message).toBe("Growth per failure must be a number (or empty), got 'fast'; nothing was changed");
    const half = await act(path, form({ rateMax: "5" }));
    expect(half.status).toBe(400);
    expect(half.body.message).toMatch(/^A rate limit needs both/);
    expect((await act("/actions/queues/424242/settings", form({}))).status).toBe(404);
    expect((await act("/actions/queues/abc/settings", form({}))).status).toBe(400);
    // Without the page secret a loopback dashboard refuses the write too.
    expect((await post(base, path, {}, form({ concurrencyLimit: "9" }))).status).toBe(403);
    expect(await settingsOf(limited.queueName)).toEqual(before);
  });

  it("beyond loopback: refused without the token, the page secret or from another origin, writing nothing", async () => {
    const before = await settingsOf(limited.queueName);
    const path = `/actions/queues/${limited.id}/settings`;
    const fields = form({ concurrencyLimit: "9" });
    const { cookie, csrf } = await signIn(guarded);
    expect((await post(guarded, path, {}, fields)).status).toBe(401);
    expect((await post(guarded, path, { authorization: "Bearer nope" }, fields)).status).toBe(401);
    expect((await post(guarded, path, { "x-pgqrs-csrf": await csrfOf(base) }, fields)).status).toBe(401);
    expect((await post(guarded, path, { cookie }, fields)).status).toBe(403);
    expect((await post(guarded, path, { cookie, "x-pgqrs-csrf": "stale" }, fields)).status).toBe(403);
    expect(
      (await post(guarded, path, { cookie, "x-pgqrs-csrf": csrf, origin: "http://evil.example" }, fields)).status,
    ).toBe(403);
    expect(await settingsOf(limited.queueName)).toEqual(before);
    // With the session and the page secret the same write goes through.
    const ok = await post(guarded, path, { cookie, "x-pgqrs-csrf": csrf }, form({ concurrencyLimit: "4" }));
    expect(ok.status).toBe(200);
    expect((await settingsOf(limited.queueName)).concurrencyLimit).toBe(4);
  });
});
