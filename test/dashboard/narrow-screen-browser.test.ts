/**
 * The dashboard on a phone (DX review: "tables overflow at 420 px"): in a real Chromium 420 px wide, no page
 * scrolls sideways: the nav and each wide table scroll within themselves, and a run's timeline stacks its columns.
 * Pages with wide rows are seeded: a dead letter with a long error, a workflow run of three steps, the workers.
 * The HTTP side is covered elsewhere; this checks the layout on SQLite.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import type { Store } from "../../src/index.js";
import { freshDatabase } from "../support/backends.js";
import { dashboardInChromium } from "./harness.js";

const WIDTH = 420;
const closers: (() => Promise<unknown>)[] = [];
let store: Store;
let browser: Browser;
let base = "";
let queueId = 0;
let runId = 0;

beforeAll(async () => {
  const { dsn, schema } = freshDatabase("sqlite");
  store = await pgqrs.connect(dsn, { schema });
  closers.push(() => store.close());
  await pgqrs.admin(store).install();
  const queue = await pgqrs.admin(store).createQueue("narrow_screen_queue_with_a_long_name", {
    retry: { maxAttempts: 1 },
  });
  queueId = queue.id;
  await (await store.producer(queue.queueName)).enqueue({ customer: "x".repeat(200), items: [1, 2, 3] });
  await pgqrs
    .dequeue()
    .from(queue.queueName)
    .handle(() => {
      throw new Error(`smtp down: ${"connection refused ".repeat(10)}`);
    })
    .execute(store)
    .catch(() => undefined);

  const def = pgqrs.defineWorkflow({ name: "narrow_screen_order" }, async (run, input: { id: number }) => {
    const a = await pgqrs.workflowStep(run, "reserve_stock_for_the_order", async () => ({ id: input.id }));
    const b = await pgqrs.workflowStep(run, "charge_card", async () => ({ charged: a.id * 2 }));
    return pgqrs.workflowStep(run, "ship", async () => ({ ...b, tracking: `TRK-${a.id}` }));
  });
  await pgqrs.workflow().name(def).create(store);
  const trigger = await pgqrs.workflow().name(def).trigger({ id: 7 }).execute(store);
  const consumer = await pgqrs.consumer("narrow-screen-worker", def.name).create(store);
  const loop = pgqrs.workflow().name(def).consumer(consumer).poll(store);
  await trigger.result({ timeoutMs: 30_000 });
  await consumer.interrupt();
  await loop;
  runId = (await pgqrs.workflow().name(def).getRun(trigger.id, store)).id;

  ({ base, browser } = await dashboardInChromium(store, closers));
}, 90_000);

afterAll(async () => {
  for (const close of closers) await close().catch(() => undefined);
});

describe(`the dashboard ${WIDTH} px wide`, () => {
  it("scrolls no page sideways, and keeps every nav link", async () => {
    const context = await browser.newContext({ viewport: { width: WIDTH, height: 800 } });
    closers.unshift(() => context.close());
    const page = await context.newPage();
    const paths = [
      "/",
      `/queues/${queueId}`,
      `/queues/${queueId}?state=dead`,
      "/workers?all=1",
      "/workflows",
      `/runs/${runId}`,
      "/schedules",
    ];
    const widths: Record<string, number> = {};
    for (const path of paths) {
      const res = await page.goto(`${base}${path}`);
      expect(res?.status(), path).toBe(200);
      widths[path] = Number(await page.evaluate("document.documentElement.scrollWidth"));
    }
    expect(widths).toEqual(Object.fromEntries(paths.map((p) => [p, WIDTH])));
    const nav = await page.locator("nav a").allTextContents();
    expect(nav.map((t) => t.trim())).toEqual(["Overview", "Workers", "Workflows", "Schedules"]);
  });

  it("leaves the wide layout alone on a desktop", async () => {
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    closers.unshift(() => context.close());
    const page = await context.newPage();
    await page.goto(`${base}/runs/${runId}`);
    const columns = String(
      await page.evaluate('getComputedStyle(document.querySelector(".step > summary")).gridTemplateColumns'),
    );
    expect(columns.split(" ")).toHaveLength(3);
    expect(await page.locator(".top .right").isVisible()).toBe(true);
  });
});
