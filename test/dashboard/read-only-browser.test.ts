/**
 * A read-only dashboard in Chromium, on the demo database (SQLite; the HTTP side, on both backends, is
 * read-only.test.ts): on every page the "read-only" badge is visible, there is no form that posts and no action
 * button, and the page script runs without errors.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDashboard } from "../../src/dashboard/server.js";
import * as pgqrs from "../../src/index.js";
import { freshDatabase } from "../support/backends.js";
import { launchChromium } from "./harness.js";
import { OffsetClock, type Seeded, seedDemo } from "./seed.js";

const closers: (() => Promise<unknown>)[] = [];
let browser: Browser;
let base = "";
let seeded: Seeded;

beforeAll(async () => {
  const { dsn, schema } = freshDatabase("sqlite");
  const clock = new OffsetClock();
  const store = await pgqrs.connect(dsn, { schema, clock });
  closers.push(() => store.close());
  await pgqrs.admin(store).install();
  seeded = await seedDemo(store, clock);
  const dashboard = await startDashboard({ store, host: "127.0.0.1", port: 0, readOnly: true });
  closers.unshift(() => dashboard.close());
  base = `http://127.0.0.1:${new URL(dashboard.url).port}`;
  browser = await launchChromium();
  closers.unshift(() => browser.close());
}, 120_000);

afterAll(async () => {
  for (const close of closers) await close();
});

describe("read-only dashboard in Chromium", () => {
  it("shows the badge and no action on any page", { timeout: 60_000 }, async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (err) => errors.push(err.message));
    const paths = [
      "/",
      "/workers?all=1",
      "/workflows",
      "/schedules",
      `/queues/${seeded.queues.payments}?state=dead`,
      `/runs/${seeded.runningRunId}`,
      `/runs/${seeded.retriedRunId}`,
    ];
    for (const path of paths) {
      await page.goto(`${base}${path}`);
      await expect.poll(() => page.getByTestId("read-only").isVisible(), { timeout: 5_000 }).toBe(true);
      expect(await page.locator("form[method=post]").count(), path).toBe(0);
      expect(await page.locator("[data-testid=enqueue], [data-testid=update-settings]").count(), path).toBe(0);
      expect(await page.getByRole("button", { name: /Purge|Replay|Cancel run|Suspend|Reclaim|Pause/ }).count()).toBe(0);
    }
    expect(errors).toEqual([]);
  });
});
