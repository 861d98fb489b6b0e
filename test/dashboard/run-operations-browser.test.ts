/**
 * The run page's "Retry" and "Fork from step…" actions in a real Chromium: a run failed at its second step; the user
 * clicks "Retry", confirms in the dialog, and the live page shows the run succeed (the first step replayed, the
 * failed one run again); then forks it from that step and follows the toast's link to the new run. The HTTP side
 * (guards, refusals, both backends) is covered by run-operations.test.ts; this checks the browser side on SQLite.
 */
import { mkdirSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import * as pgqrs from "../../src/index.js";
import type { Store } from "../../src/index.js";
import { freshDatabase } from "../support/backends.js";
import { ARTIFACTS, dashboardInChromium } from "./harness.js";

const closers: (() => Promise<unknown>)[] = [];
let store: Store;
let browser: Browser;
let base = "";
let runId = 0;
/** Executions of each step body; "charge" throws while `failing`. */
const executed = { reserve: 0, charge: 0 };
let failing = true;

beforeAll(async () => {
  const { dsn, schema } = freshDatabase("sqlite");
  store = await pgqrs.connect(dsn, { schema, pollIntervalMs: 10 });
  closers.push(() => store.close());
  await pgqrs.admin(store).install();
  const order = pgqrs.defineWorkflow({ name: "browser_order" }, async (run, input: { order: number }) => {
    const reserved = await run.step("reserve", () => {
      executed.reserve += 1;
      return `reserved ${input.order}`;
    });
    const charged = await run.step(
      "charge",
      () => {
        executed.charge += 1;
        if (failing) throw new Error("card declined");
        return "charged";
      },
      { retry: { maxAttempts: 0 } },
    );
    return { reserved, charged };
  });
  await pgqrs.workflow().name(order).create(store);
  const consumer = await store.consumer(order.name);
  const loop = pgqrs.workflow().name(order).consumer(consumer).poll(store);
  closers.unshift(async () => {
    await consumer.interrupt();
    await loop;
  });
  const { run } = await pgqrs.workflow().name(order).trigger({ order: 7 }).start(store);
  runId = run.id;
  await vi.waitFor(
    async () => {
      const r = await store.tables().workflowRuns().get(runId);
      if (r?.status !== "ERROR") throw new Error(`the run is ${r?.status}, not ERROR yet`);
    },
    { timeout: 30_000, interval: 20 },
  );
  ({ base, browser } = await dashboardInChromium(store, closers));
}, 90_000);

afterAll(async () => {
  for (const close of closers) await close().catch(() => undefined);
});

/** Click `button`, check the dialog's title, confirm; the toast's text and whether it reports a failure. */
async function confirm(page: Page, button: string, title: string): Promise<{ text: string; bad: boolean }> {
  await page.locator(".toast").evaluateAll((toasts) => {
    for (const t of toasts) t.remove();
  });
  await page.locator(button).click();
  await page.locator("#confirm").waitFor({ state: "visible" });
  expect(await page.locator("#confirm h3").textContent()).toBe(title);
  await page.locator("#confirm button[value=ok]").click();
  const toast = page.locator(".toast").last();
  await toast.waitFor({ state: "visible" });
  return {
    text: (await toast.textContent()) ?? "",
    bad: (await toast.getAttribute("class"))?.includes("bad") ?? false,
  };
}

describe("retry and fork a run from its page (Chromium)", { timeout: 120_000 }, () => {
  it("retries a failed run after a confirmation; the page shows it succeed; a fork links to the new run", async () => {
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    closers.unshift(() => context.close());
    const page = await context.newPage();
    await page.goto(`${base}/runs/${runId}`);
    expect(await page.locator("h1 .pill").textContent()).toBe("error");
    const retryButton = `form[action="/actions/runs/${runId}/retry"] button`;
    expect(await page.locator(retryButton).textContent()).toBe("Retry");

    // Dismissing the dialog does nothing.
    await page.locator(retryButton).click();
    await page.locator("#confirm").waitFor({ state: "visible" });
    await page.locator("#confirm button[value=cancel]").click();
    expect((await store.tables().workflowRuns().get(runId))?.status).toBe("ERROR");

    failing = false;
    const retried = await confirm(page, retryButton, `Retry run #${runId} of browser_order?`);
    expect(retried.bad).toBe(false);
    expect(retried.text).toContain(`Run ${runId} is queued`);
    await expect.poll(() => page.locator("h1 .pill").textContent(), { timeout: 30_000 }).toBe("success");
    expect(await page.locator(retryButton).count()).toBe(0);
    expect(executed).toEqual({ reserve: 1, charge: 2 });
    expect((await store.tables().workflowRuns().get(runId))?.output).toEqual({
      reserved: "reserved 7",
      charged: "charged",
    });
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}/sqlite-run-retried.png`, fullPage: true });

    await page.selectOption("[data-testid=fork-step]", "charge");
    const forked = await confirm(page, "[data-testid=fork-run]", `Fork run #${runId} of browser_order?`);
    expect(forked.bad).toBe(false);
    const newId = Number(/new run #(\d+)/.exec(forked.text)?.[1]);
    expect(newId).toBeGreaterThan(runId);
    await page.locator(".toast a.toast-link").click();
    await page.waitForURL(`${base}/runs/${newId}`);
    expect(await page.locator("h1").textContent()).toContain(`Run #${newId}`);
    await expect.poll(() => page.locator("h1 .pill").textContent(), { timeout: 30_000 }).toBe("success");
    expect(executed).toEqual({ reserve: 1, charge: 3 });
  });
});
