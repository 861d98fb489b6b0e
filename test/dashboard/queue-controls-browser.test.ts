/**
 * The queue page's settings and last errors in a real Chromium (issue 17): an error message carrying markup runs
 * nothing, neither in the message table nor in the payload viewer (which shows it as text under the payload); the
 * "Update settings" form asks for a confirmation (dismissing it writes nothing) and, confirmed, changes the
 * queue's settings and the live page shows them. The HTTP side (guards, refusals, both backends) is covered by
 * queue-controls.test.ts; this checks the browser side on SQLite.
 */
import { mkdirSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import type { QueueRecord, Store } from "../../src/index.js";
import { freshDatabase } from "../support/backends.js";
import { ARTIFACTS, dashboardInChromium } from "./harness.js";

const XSS = `<img src=x onerror="window.__pwned = 1"><script>window.__pwned = 2</script>`;

const closers: (() => Promise<unknown>)[] = [];
let store: Store;
let browser: Browser;
let base = "";
let queue: QueueRecord;
let failedId = 0;

beforeAll(async () => {
  const { dsn, schema } = freshDatabase("sqlite");
  store = await pgqrs.connect(dsn, { schema });
  closers.push(() => store.close());
  await pgqrs.admin(store).install();
  queue = await pgqrs.admin(store).createQueue("browser_controls", { retry: { baseMs: 3_600_000, maxMs: 3_600_000 } });
  failedId = (await (await store.producer(queue.queueName, "p")).enqueue({ order: 7 }, { priority: 3 })).id;
  await pgqrs
    .dequeue()
    .from(queue.queueName)
    .handle(() => {
      throw new Error(XSS);
    })
    .execute(store)
    .catch(() => undefined);
  expect((await pgqrs.admin(store).getMessage(failedId)).lastError?.message).toBe(XSS);
  ({ base, browser } = await dashboardInChromium(store, closers));
}, 90_000);

afterAll(async () => {
  for (const close of closers) await close().catch(() => undefined);
});

async function openQueue(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  closers.unshift(() => context.close());
  const page = await context.newPage();
  await page.goto(`${base}/queues/${queue.id}`);
  return page;
}

describe("queue settings and last errors on the queue page (Chromium)", { timeout: 120_000 }, () => {
  it("shows an error carrying markup as text, in the table and the payload viewer, running nothing", async () => {
    const page = await openQueue();
    const cell = page.locator(`tr[data-message="${failedId}"] [data-testid=last-error]`);
    expect(await cell.textContent()).toContain('Error: <img src=x onerror="window.__pwned = 1">');
    expect(await cell.getAttribute("title")).toContain(`Error: ${XSS}\nattempt 1, failed at `);
    expect(await page.locator("main img, main script").count()).toBe(0);
    await page.locator(`[data-payload="${failedId}"]`).click();
    const viewer = page.locator("#viewer pre");
    await expect.poll(() => viewer.textContent()).toContain("Last error (attempt 1, failed at ");
    expect(await viewer.textContent()).toContain(`${JSON.stringify({ order: 7 }, null, 2)}\n\nLast error`);
    expect(await viewer.textContent()).toContain(`Error: ${XSS}`);
    expect(await page.locator("#viewer img, #viewer script").count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  });

  it("updates the settings after a confirmation; dismissing it writes nothing", async () => {
    const page = await openQueue();
    expect(await page.getByTestId("setting-concurrency").textContent()).toBe("no limit");
    await page.locator("[data-testid=queue-settings] summary").click();
    await page.fill("input[name=concurrencyLimit]", "4");
    await page.fill("input[name=rateMax]", "20");
    await page.fill("input[name=ratePerSeconds]", "2");

    await page.locator("[data-testid=update-settings]").click();
    await page.locator("#confirm").waitFor({ state: "visible" });
    expect(await page.locator("#confirm h3").textContent()).toBe("Update the settings of browser_controls?");
    await page.locator("#confirm button[value=cancel]").click();
    expect((await pgqrs.admin(store).getQueue(queue.queueName)).concurrencyLimit).toBeNull();

    await page.locator("[data-testid=update-settings]").click();
    await page.locator("#confirm").waitFor({ state: "visible" });
    await page.locator("#confirm button[value=ok]").click();
    const toast = page.locator(".toast").last();
    await toast.waitFor({ state: "visible" });
    expect(await toast.textContent()).toBe("Settings of browser_controls updated");
    const after = await pgqrs.admin(store).getQueue(queue.queueName);
    // The retry fields kept their values: the form starts from the stored ones.
    expect([after.concurrencyLimit, after.rateLimit, after.retry]).toEqual([
      4,
      { max: 20, perSeconds: 2 },
      { baseMs: 3_600_000, maxMs: 3_600_000 },
    ]);
    await expect.poll(() => page.getByTestId("setting-concurrency").textContent()).toBe("4 at once (0 leased now)");
    expect(await page.getByTestId("setting-rate").textContent()).toBe("20 claims per 2 s");
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}/sqlite-queue-settings.png`, fullPage: true });

    // A value the library refuses is reported and writes nothing; what was typed stays to be fixed.
    await page.fill("input[name=concurrencyLimit]", "0");
    await page.locator("[data-testid=update-settings]").click();
    await page.locator("#confirm button[value=ok]").click();
    const refused = page.locator(".toast.bad").last();
    await refused.waitFor({ state: "visible" });
    expect(await refused.textContent()).toContain("concurrencyLimit must be an integer from 1 to 10000, got 0");
    expect(await page.inputValue("input[name=concurrencyLimit]")).toBe("0");
    expect((await pgqrs.admin(store).getQueue(queue.queueName)).concurrencyLimit).toBe(4);
  });
});
