/**
 * One dashboard under test: a seeded database of the backend, the dashboard serving it from its own store (wall
 * clock, as the CLI would), and a headless Chromium (Debian's `chromium`, installed by .ci/run). Everything is
 * torn down after the file's tests.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { startDashboard } from "../../src/dashboard/server.js";
import * as pgqrs from "../../src/index.js";
import type { Store } from "../../src/index.js";
import { type BackendName, dropSchema, freshDatabase } from "../support/backends.js";
import { OffsetClock, type Seeded, seedDemo } from "./seed.js";

export const CHROMIUM = process.env.PGQRS_CHROMIUM ?? "/usr/bin/chromium";
export const ARTIFACTS = "test-artifacts/dashboard";
export const TOKEN = "correct horse battery staple";

export interface Fixture {
  backend: BackendName;
  /** The store that seeded the database (and keeps its live workers heartbeating). */
  seedStore: Store;
  /** An independent store for checking what the database holds. */
  check: Store;
  seeded: Seeded;
  url: string;
  browser: Browser;
  page(): Promise<Page>;
  shot(page: Page, name: string): Promise<void>;
}

/** Register the fixture's setup and teardown in the enclosing describe; read it inside tests. */
export function useDashboard(backend: BackendName, options: { token?: string; host?: string } = {}): () => Fixture {
  let fixture: Fixture | undefined;
  const cleanups: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    const { dsn, schema } = freshDatabase(backend);
    const clock = new OffsetClock();
    const seedStore = await pgqrs.connect(dsn, { schema, clock });
    cleanups.push(() => seedStore.close());
    if (backend === "postgres") cleanups.push(() => dropSchema(schema));
    await pgqrs.admin(seedStore).install();
    const seeded = await seedDemo(seedStore, clock);
    const view = await pgqrs.connect(dsn, { schema });
    cleanups.unshift(() => view.close());
    const check = await pgqrs.connect(dsn, { schema });
    cleanups.unshift(() => check.close());
    const dashboard = await startDashboard({
      store: view,
      host: options.host ?? "127.0.0.1",
      port: 0,
      ...(options.token === undefined ? {} : { token: options.token }),
    });
    cleanups.unshift(() => dashboard.close());
    const browser = await launchChromium();
    cleanups.unshift(() => browser.close());
    mkdirSync(ARTIFACTS, { recursive: true });
    fixture = {
      backend,
      seedStore,
      check,
      seeded,
      url: `http://127.0.0.1:${new URL(dashboard.url).port}`,
      browser,
      page: async () => {
        const context = await browser.newContext({ viewport: { width: 1360, height: 900 }, colorScheme: "light" });
        return context.newPage();
      },
      shot: async (page, name) => {
        await page.screenshot({ path: join(ARTIFACTS, `${backend}-${name}.png`), fullPage: true });
      },
    };
  }, 120_000);
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  });
  return () => {
    if (fixture === undefined) throw new Error("dashboard fixture not ready");
    return fixture;
  };
}

/**
 * A dashboard of `store` on a free loopback port and a Chromium to browse it, both put first in `closers` (closed
 * before what was opened earlier); `base` is the dashboard's address.
 */
export async function dashboardInChromium(
  store: Store,
  closers: (() => Promise<unknown>)[],
): Promise<{ base: string; browser: Browser }> {
  const dashboard = await startDashboard({ store, host: "127.0.0.1", port: 0 });
  closers.unshift(() => dashboard.close());
  const base = `http://127.0.0.1:${new URL(dashboard.url).port}`;
  const browser = await launchChromium();
  closers.unshift(() => browser.close());
  return { base, browser };
}

/** Chromium; `extraArgs` e.g. `--host-resolver-rules=MAP evil.example 127.0.0.1` (a DNS-rebinding stand-in). */
export async function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does this)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      ...extraArgs,
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** The integer shown in an element (`1,234` → 1234). */
export async function numberAt(page: Page, testId: string): Promise<number> {
  const text = await page.getByTestId(testId).first().textContent();
  return Number((text ?? "").replace(/[^\d-]/g, ""));
}

/** Sign in through the login form (as a user would) and land on `path`. */
export async function signIn(page: Page, base: string, token: string, path = "/"): Promise<void> {
  await page.goto(`${base}${path}`);
  await page.waitForURL(/\/login/);
  await page.fill("input[name=token]", token);
  await page.locator("form[action='/login'] button[type=submit]").click();
  await page.waitForURL((u) => !u.pathname.startsWith("/login"));
}
