/**
 * Regenerate the README's dashboard screenshots from the seeded demo database:
 * `npx tsx test/dashboard/docs-screenshots.ts` writes docs/images/dashboard-overview.png and dashboard-run.png.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startDashboard } from "../../src/dashboard/server.js";
import * as pgqrs from "../../src/index.js";
import { launchChromium } from "./harness.js";
import { OffsetClock, seedDemo } from "./seed.js";

const dsn = `sqlite://${join(mkdtempSync(join(tmpdir(), "pgqrs-docs-")), "demo.db")}`;
const clock = new OffsetClock();
const seedStore = await pgqrs.connect(dsn, { clock });
await pgqrs.admin(seedStore).install();
const seeded = await seedDemo(seedStore, clock);
const view = await pgqrs.connect(dsn);
const dashboard = await startDashboard({ store: view, host: "127.0.0.1", port: 0 });
const browser = await launchChromium();
try {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    deviceScaleFactor: 1,
    colorScheme: "light",
  });
  const page = await context.newPage();
  await page.goto(dashboard.url);
  // The throughput history is read in the background on the first visit; wait for the live refresh to show it.
  await page.getByText("reading the last hour").waitFor({ state: "detached", timeout: 15_000 });
  await page.screenshot({ path: "docs/images/dashboard-overview.png", fullPage: true });
  await page.goto(`${dashboard.url}runs/${seeded.retriedRunId}`);
  await page.locator('[data-step="charge_card"] summary').click();
  await page.screenshot({ path: "docs/images/dashboard-run.png", fullPage: true });
} finally {
  await browser.close();
  await dashboard.close();
  await view.close();
  await seedStore.close();
}
