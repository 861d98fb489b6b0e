/**
 * The Schedules page in a real Chromium (issue 18), signed in with the token: the nav link leads to it; Pause,
 * Resume and Trigger now each ask for a confirmation first (dismissing it writes nothing), and confirmed they act
 * (the schedule paused and resumed, one message enqueued) and the live page follows. The HTTP side (guards,
 * refusals, both backends) is covered by schedules.test.ts; this checks the browser side on SQLite.
 */
import { mkdirSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDashboard } from "../../src/dashboard/server.js";
import * as pgqrs from "../../src/index.js";
import type { Store } from "../../src/index.js";
import { freshDatabase } from "../support/backends.js";
import { ARTIFACTS, launchChromium, signIn, TOKEN } from "./harness.js";

const closers: (() => Promise<unknown>)[] = [];
let store: Store;
let browser: Browser;
let base = "";
let queueId = 0;

beforeAll(async () => {
  const { dsn, schema } = freshDatabase("sqlite");
  store = await pgqrs.connect(dsn, { schema });
  closers.push(() => store.close());
  const admin = pgqrs.admin(store);
  await admin.install();
  queueId = (await admin.createQueue("browser_pings")).id;
  await admin.createSchedule({ name: "browser-hourly", cron: "0 * * * *", queue: "browser_pings", payload: { n: 1 } });
  const dashboard = await startDashboard({ store, host: "127.0.0.1", port: 0, token: TOKEN });
  closers.unshift(() => dashboard.close());
  base = `http://127.0.0.1:${new URL(dashboard.url).port}`;
  browser = await launchChromium();
  closers.unshift(() => browser.close());
  mkdirSync(ARTIFACTS, { recursive: true });
}, 90_000);

afterAll(async () => {
  for (const close of closers) await close().catch(() => undefined);
});

async function openSchedules(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  closers.unshift(() => context.close());
  const page = await context.newPage();
  await signIn(page, base, TOKEN, "/");
  await page.locator("header nav a", { hasText: "Schedules" }).click();
  await page.waitForURL(/\/schedules$/);
  return page;
}

/** Click a row's button; the dialog must ask first. `confirm` false dismisses it. Returns the toast (confirmed). */
async function act(page: Page, label: string, confirm: boolean): Promise<string> {
  await page.locator(".toast").evaluateAll((toasts) => {
    for (const t of toasts) t.remove();
  });
  await page.locator(`tr[data-schedule="browser-hourly"] button`, { hasText: label }).click();
  const dialog = page.locator("#confirm");
  await dialog.waitFor({ state: "visible" });
  expect(await dialog.locator("h3").textContent()).toContain("browser-hourly");
  await page.locator(`#confirm button[value=${confirm ? "ok" : "cancel"}]`).click();
  if (!confirm) return "";
  const toast = page.locator(".toast").last();
  await toast.waitFor({ state: "visible" });
  return (await toast.textContent()) ?? "";
}

const messages = () => store.tables().messages().filterByQueue(queueId);

describe("the Schedules page in a browser", () => {
  it("pauses and resumes after a confirmation; dismissing writes nothing", async () => {
    const page = await openSchedules();
    const admin = pgqrs.admin(store);
    await expect.poll(() => page.locator("[data-schedule]").count()).toBe(1);

    await act(page, "Pause", false);
    expect((await admin.getSchedule("browser-hourly")).paused).toBe(false);

    expect(await act(page, "Pause", true)).toContain("is paused");
    expect((await admin.getSchedule("browser-hourly")).paused).toBe(true);
    // The page refreshes itself: the state pill and the button change.
    await expect
      .poll(() => page.locator('tr[data-schedule="browser-hourly"] [data-status]').first().textContent())
      .toBe("paused");
    await page.screenshot({ path: `${ARTIFACTS}/sqlite-schedules-paused.png`, fullPage: true });

    expect(await act(page, "Resume", true)).toContain("active again");
    expect((await admin.getSchedule("browser-hourly")).paused).toBe(false);
    await expect
      .poll(() => page.locator('tr[data-schedule="browser-hourly"] [data-status]').first().textContent())
      .toBe("active");
  });

  it("triggers now after a confirmation: one message, shown as the last firing", async () => {
    const page = await openSchedules();
    await act(page, "Trigger now", false);
    expect(await messages()).toHaveLength(0);

    expect(await act(page, "Trigger now", true)).toContain("fired now");
    const after = await messages();
    expect(after).toHaveLength(1);
    expect(after[0]?.payload).toMatchObject({ n: 1 });
    await expect
      .poll(() => page.locator('tr[data-schedule="browser-hourly"] td.n').textContent())
      .toContain(`#${after[0]?.id}`);
  });
});
