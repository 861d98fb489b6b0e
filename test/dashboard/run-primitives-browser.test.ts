/**
 * The run page's "Send message" form in a real Chromium: a run waits for a message; the user types a topic and a
 * JSON payload, confirms in the dialog, and sees the outcome. Bad JSON is refused in a toast and the typed text
 * stays (the live refresh does not wipe a form being edited); a good payload wakes the run, which finishes, and
 * the refreshed page lists the message as received. Storage is covered on both backends by
 * run-primitives-waits.test.ts and run-primitives-send.test.ts; this checks the browser side on one (SQLite).
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

beforeAll(async () => {
  const { dsn, schema } = freshDatabase("sqlite");
  store = await pgqrs.connect(dsn, { schema, pollIntervalMs: 10 });
  closers.push(() => store.close());
  await pgqrs.admin(store).install();
  const approval = pgqrs.defineWorkflow({ name: "browser_approval" }, async (run) => {
    const decision = await run.recv<{ approved: boolean }>("decide", "decision");
    return { decision };
  });
  await pgqrs.workflow().name(approval).create(store);
  const consumer = await store.consumer(approval.name);
  const loop = pgqrs.workflow().name(approval).consumer(consumer).poll(store);
  closers.unshift(async () => {
    await consumer.interrupt();
    await loop;
  });
  const msg = await pgqrs.workflow().name(approval).trigger({ order: 7 }).execute(store);
  const waiting = await vi.waitFor(
    async () => {
      const run = await store.tables().workflowRuns().getByMessageId(msg.id);
      if (run?.waitingFor?.kind !== "message") throw new Error("the run does not wait for its message yet");
      return run;
    },
    { timeout: 30_000, interval: 20 },
  );
  runId = waiting.id;
  ({ base, browser } = await dashboardInChromium(store, closers));
}, 90_000);

afterAll(async () => {
  for (const close of closers) await close().catch(() => undefined);
});

/** Click "Send message", check the dialog asks first, confirm; the toast's text and whether it reports a failure. */
async function sendAndConfirm(page: Page): Promise<{ text: string; bad: boolean }> {
  await page.locator(".toast").evaluateAll((toasts) => {
    for (const t of toasts) t.remove();
  });
  await page.getByTestId("send-message").click();
  await page.locator("#confirm").waitFor({ state: "visible" });
  expect(await page.locator("#confirm h3").textContent()).toBe(`Send a message to run #${runId}?`);
  await page.locator("#confirm button[value=ok]").click();
  const toast = page.locator(".toast").last();
  await toast.waitFor({ state: "visible" });
  return {
    text: (await toast.textContent()) ?? "",
    bad: (await toast.getAttribute("class"))?.includes("bad") ?? false,
  };
}

describe("send a message from the run page (Chromium)", { timeout: 120_000 }, () => {
  it("refuses bad JSON keeping the typed text, then sends, wakes the run and lists the message", async () => {
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    closers.unshift(() => context.close());
    const page = await context.newPage();
    await page.goto(`${base}/runs/${runId}`);
    expect(await page.getByTestId("run-wait").textContent()).toMatch(/Waiting for message "decision"/);
    expect(await page.locator("input[name=topic]").inputValue()).toBe("decision");

    await page.fill("textarea[name=payload]", "{approved: true");
    const refused = await sendAndConfirm(page);
    expect(refused.bad).toBe(true);
    expect(refused.text).toContain("not valid JSON");
    expect(await page.locator("textarea[name=payload]").inputValue()).toBe("{approved: true");
    expect(await pgqrs.admin(store).runMessages(runId)).toEqual([]);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}/sqlite-run-send-message.png`, fullPage: true });

    await page.fill("textarea[name=payload]", '{"approved": true}');
    const sent = await sendAndConfirm(page);
    expect(sent.bad).toBe(false);
    expect(sent.text).toContain(`sent to run ${runId}`);
    await expect.poll(() => page.locator("h1 .pill").textContent(), { timeout: 30_000 }).toBe("success");
    await expect.poll(() => page.locator("[data-run-message]").count(), { timeout: 30_000 }).toBe(1);
    expect(await page.locator("[data-run-message]").textContent()).toContain("by step decide");
    expect(await page.getByTestId("run-wait").count()).toBe(0);
    expect((await store.tables().workflowRuns().get(runId))?.output).toEqual({ decision: { approved: true } });
  });
});
