/**
 * DNS rebinding in a real Chromium: `--host-resolver-rules` maps evil.example (and a proxy name, dash.example) to
 * 127.0.0.1, so a script on the origin http://evil.example:<port> talks to the dashboard as a rebinding page would.
 * It must not read a payload (`/api/messages/:id`) or run an action, on 127.0.0.1 and on 0.0.0.0, with and without
 * a token (0.0.0.0 without a token refuses to start). With the token, a real user signs in and can read and act,
 * under 127.0.0.1 and under an allowed host name. The rules do not touch storage: one backend (SQLite).
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDashboard } from "../../src/dashboard/server.js";
import * as pgqrs from "../../src/index.js";
import type { Store } from "../../src/index.js";
import { freshDatabase } from "../support/backends.js";
import { launchChromium, signIn, TOKEN } from "./harness.js";

let store: Store;
let browser: Browser;
let messageId: number;
let workerId: number;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  const { dsn, schema } = freshDatabase("sqlite");
  store = await pgqrs.connect(dsn, { schema });
  closers.push(() => store.close());
  await pgqrs.admin(store).install();
  await pgqrs.admin(store).createQueue("secrets");
  const producer = await store.producer("secrets", "rebind-producer");
  const [m] = await producer.enqueueBatch([{ card: "4111-1111-1111-1111" }]);
  messageId = m?.id ?? 0;
  workerId = producer.workerId();
  browser = await launchChromium(["--host-resolver-rules=MAP evil.example 127.0.0.1, MAP dash.example 127.0.0.1"]);
  closers.unshift(() => browser.close());
}, 60_000);

afterAll(async () => {
  for (const close of closers) await close().catch(() => undefined);
});

async function serve(host: string, token?: string): Promise<number> {
  const s = await startDashboard({
    store,
    host,
    port: 0,
    allowedHosts: ["dash.example"],
    ...(token === undefined ? {} : { token }),
  });
  closers.unshift(() => s.close());
  return Number(new URL(s.url).port);
}

async function newPage(): Promise<Page> {
  const context = await browser.newContext();
  closers.unshift(() => context.close());
  return context.newPage();
}

/** What a script on `origin` gets from the dashboard's API and an action: statuses and whether the payload leaked. */
async function attackFrom(page: Page, origin: string): Promise<{ read: number; leaked: boolean; act: number }> {
  await page.goto(`${origin}/`);
  return page.evaluate(async (id) => {
    const read = await fetch(`/api/messages/${id}`);
    const text = await read.text();
    const act = await fetch("/actions/zombies/reclaim", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: "csrf=guess",
    });
    return { read: read.status, leaked: text.includes("4111-1111-1111-1111"), act: act.status };
  }, messageId);
}

describe("a DNS-rebinding page (Chromium)", { timeout: 120_000 }, () => {
  it("can neither read nor act on 127.0.0.1 without a token", async () => {
    const port = await serve("127.0.0.1");
    const page = await newPage();
    const got = await attackFrom(page, `http://evil.example:${port}`);
    expect(got).toEqual({ read: 403, leaked: false, act: 403 });
  });

  it("can neither read nor act on 127.0.0.1 with a token, even while the user is signed in", async () => {
    const port = await serve("127.0.0.1", TOKEN);
    const user = await newPage();
    await signIn(user, `http://127.0.0.1:${port}`, TOKEN);
    const got = await attackFrom(await user.context().newPage(), `http://evil.example:${port}`);
    expect(got).toEqual({ read: 403, leaked: false, act: 403 });
  });

  it("can neither read nor act on 0.0.0.0 (which needs a token)", async () => {
    await expect(serve("0.0.0.0")).rejects.toMatchObject({ code: "INVALID_CONFIG" });
    const port = await serve("0.0.0.0", TOKEN);
    const user = await newPage();
    await signIn(user, `http://127.0.0.1:${port}`, TOKEN);
    const got = await attackFrom(await user.context().newPage(), `http://evil.example:${port}`);
    expect(got).toEqual({ read: 403, leaked: false, act: 403 });
    // An allowed name without the session: nothing to read either.
    const stranger = await newPage();
    expect(await attackFrom(stranger, `http://dash.example:${port}`)).toEqual({ read: 401, leaked: false, act: 401 });
  });
});

describe("a signed-in user (Chromium)", { timeout: 120_000 }, () => {
  it("reads payloads and acts on 0.0.0.0 with the token, under 127.0.0.1 and an allowed host", async () => {
    const port = await serve("0.0.0.0", TOKEN);
    for (const base of [`http://127.0.0.1:${port}`, `http://dash.example:${port}`]) {
      const page = await newPage();
      await signIn(page, base, TOKEN, "/workers");
      const payload = await page.evaluate(async (id) => (await fetch(`/api/messages/${id}`)).json(), messageId);
      expect(payload).toMatchObject({ id: messageId, payload: { card: "4111-1111-1111-1111" } });
      await page.locator(`tr[data-worker="${workerId}"] button:has-text('Suspend')`).click();
      await page.locator("#confirm button[value=ok]").click();
      await page.locator(".toast").last().waitFor({ state: "visible" });
      expect((await store.tables().workers().get(workerId))?.status).toBe("suspended");
      await pgqrs.admin(store).transitionWorker(workerId, "resume");
    }
  });
});
