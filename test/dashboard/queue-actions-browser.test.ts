/**
 * The queue page's enqueue form and purge in a real Chromium: a message typed as JSON is enqueued after the
 * confirmation and the live page's pending count goes up; text that is not JSON is refused with its code in the
 * toast, what was typed stays and nothing is written; the purge asks first (dismissing it deletes nothing), names
 * what it deletes, and confirmed, empties the queue. The HTTP side (guards, refusals, both backends) is covered by
 * queue-actions.test.ts; this checks the browser side on SQLite.
 */
import { mkdirSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PURGE_EFFECT } from "../../src/dashboard/queue-actions.js";
import * as pgqrs from "../../src/index.js";
import type { QueueRecord, Store } from "../../src/index.js";
import { freshDatabase } from "../support/backends.js";
import { ARTIFACTS, dashboardInChromium, numberAt } from "./harness.js";

const closers: (() => Promise<unknown>)[] = [];
let store: Store;
let browser: Browser;
let base = "";
let queue: QueueRecord;

beforeAll(async () => {
  const { dsn, schema } = freshDatabase("sqlite");
  store = await pgqrs.connect(dsn, { schema });
  closers.push(() => store.close());
  await pgqrs.admin(store).install();
  queue = await pgqrs.admin(store).createQueue("browser_enqueue");
  await (await store.producer(queue.queueName, "seed-producer")).enqueueBatch([{ n: 1 }, { n: 2 }]);
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

/** Confirm the open dialog and return the newest toast's text (and whether it reports a failure). */
async function confirmed(page: Page): Promise<{ text: string; bad: boolean }> {
  await page.locator(".toast").evaluateAll((toasts) => {
    for (const t of toasts) t.remove();
  });
  await page.locator("#confirm").waitFor({ state: "visible" });
  await page.locator("#confirm button[value=ok]").click();
  const toast = page.locator(".toast").last();
  await toast.waitFor({ state: "visible" });
  return {
    text: (await toast.textContent()) ?? "",
    bad: (await toast.getAttribute("class"))?.includes("bad") ?? false,
  };
}

const pendingInDb = async () => (await pgqrs.admin(store).queueMetrics(queue)).pendingMessages;

describe("enqueue and purge on the queue page (Chromium)", { timeout: 120_000 }, () => {
  it("enqueues a typed JSON payload after a confirmation; the pending count goes up", async () => {
    const page = await openQueue();
    expect(await numberAt(page, "pending")).toBe(2);
    await page.fill("form.enqueue textarea[name=payload]", '{"to": "ada@example.com", "n": 3}');
    await page.locator("[data-testid=enqueue]").click();
    expect(await page.locator("#confirm h3").textContent()).toBe("Enqueue a message on browser_enqueue?");
    const out = await confirmed(page);
    expect(out.bad).toBe(false);
    expect(out.text).toMatch(/^Message \d+ enqueued on browser_enqueue \(visible now\)$/);
    expect(await pendingInDb()).toBe(3);
    await expect.poll(() => numberAt(page, "pending"), { timeout: 20_000 }).toBe(3);
    const id = Number(/Message (\d+)/.exec(out.text)?.[1]);
    expect((await store.tables().messages().get(id))?.payload).toEqual({ to: "ada@example.com", n: 3 });
    // The refresh after the write put the form back to its default.
    await expect.poll(() => page.inputValue("form.enqueue textarea[name=payload]")).toBe("{}");
  });

  it("refuses text that is not JSON with its code, keeps what was typed and writes nothing", async () => {
    const page = await openQueue();
    await page.fill("form.enqueue textarea[name=payload]", "{to: ada}");
    await page.locator("[data-testid=enqueue]").click();
    const out = await confirmed(page);
    expect(out.bad).toBe(true);
    expect(out.text).toMatch(/^VALIDATION_FAILED: The payload is not valid JSON \(.+\); nothing was enqueued$/);
    expect(await page.inputValue("form.enqueue textarea[name=payload]")).toBe("{to: ada}");
    expect(await pendingInDb()).toBe(3);
  });

  it("purges through the confirm dialog, which says what is deleted; dismissing it deletes nothing", async () => {
    const page = await openQueue();
    await page.locator("main button", { hasText: "Purge queue" }).click();
    await page.locator("#confirm").waitFor({ state: "visible" });
    expect(await page.locator("#confirm h3").textContent()).toBe("Purge browser_enqueue?");
    expect(await page.locator("#confirm p").textContent()).toBe(PURGE_EFFECT);
    expect(await page.locator("#confirm button[value=ok]").getAttribute("class")).toBe("danger");
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}/sqlite-queue-purge-confirm.png`, fullPage: true });
    await page.locator("#confirm button[value=cancel]").click();
    expect(await pendingInDb()).toBe(3);

    await page.locator("main button", { hasText: "Purge queue" }).click();
    const out = await confirmed(page);
    expect(out.text).toBe("Purged browser_enqueue: its messages, their workflow runs and its workers are deleted");
    expect(await store.tables().messages().count({ queueId: queue.id, state: "all" })).toBe(0);
    await expect.poll(() => numberAt(page, "pending"), { timeout: 20_000 }).toBe(0);
  });
});
