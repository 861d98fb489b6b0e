/**
 * Actions through the UI (signed in with the token, each confirmed in a dialog) and their effect in the database;
 * and the guard: token, page secret, cross-origin and foreign-Host requests are refused and change nothing.
 */
import { request } from "node:http";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { BACKENDS } from "../support/backends.js";
import { signIn, TOKEN, useDashboard } from "./harness.js";

/** Click an action button, check the dialog asks first and confirm; returns the toast text. */
async function confirmAction(page: Page, button: string): Promise<string> {
  await page.locator(".toast").evaluateAll((toasts) => {
    for (const t of toasts) t.remove();
  });
  await page.locator(`main ${button}`).click();
  const dialog = page.locator("#confirm");
  await dialog.waitFor({ state: "visible" });
  await page.locator("#confirm button[value=ok]").click();
  const toast = page.locator(".toast").last();
  await toast.waitFor({ state: "visible" });
  return (await toast.textContent()) ?? "";
}

/** GET with a chosen Host header (fetch does not let one set it): what a DNS-rebinding page would send. */
function statusWithHost(url: string, host: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { ...headers, host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
}

describe.each(BACKENDS)("dashboard actions (%s)", (backend) => {
  const fx = useDashboard(backend, { token: TOKEN });

  it("cancels a run from its page after a confirmation", async () => {
    const { check, url, seeded, shot } = fx();
    const page = await fx().page();
    await signIn(page, url, TOKEN, `/runs/${seeded.runningRunId}`);
    // Dismissing the dialog does nothing.
    await page.locator("main button", { hasText: "Cancel run" }).click();
    await page.locator("#confirm button[value=cancel]").click();
    expect((await check.tables().workflowRuns().get(seeded.runningRunId))?.status).toBe("RUNNING");

    await page.locator("main button", { hasText: "Cancel run" }).click();
    await shot(page, "confirm-cancel");
    await page.locator("#confirm button[value=cancel]").click();
    expect(await confirmAction(page, "button:has-text('Cancel run')")).toContain("cancelling");
    expect((await check.tables().workflowRuns().get(seeded.runningRunId))?.status).toBe("CANCELLING");
    // The page refreshes itself: the button goes away and the status pill changes.
    await expect.poll(() => page.locator("h1 .pill").textContent()).toBe("cancelling");
  });

  it("replays a dead letter from the queue page", async () => {
    const { check, url, seeded } = fx();
    const page = await fx().page();
    const [id] = seeded.deadMessageIds;
    await signIn(page, url, TOKEN, `/queues/${seeded.queues.payments}?state=dead`);
    expect(await confirmAction(page, `tr[data-message="${id}"] button:has-text('Replay')`)).toContain("is back");
    const m = await check
      .tables()
      .messages()
      .get(id ?? 0);
    expect(m?.deadLetteredAt).toBeNull();
    expect(m?.archivedAt).toBeNull();
    expect(m?.readCt).toBe(0);
    await expect.poll(() => page.locator("[data-message]").count()).toBe(seeded.deadMessageIds.length - 1);
  });

  it("suspends and resumes a worker, and reclaims the zombie's messages", async () => {
    const { check, url, seeded, seedStore } = fx();
    const page = await fx().page();
    const api = await check.tables().workers().getByName("api-1");
    await signIn(page, url, TOKEN, "/workers");
    expect(await confirmAction(page, `tr[data-worker="${api?.id}"] button:has-text('Suspend')`)).toContain("suspended");
    expect(
      (
        await check
          .tables()
          .workers()
          .get(api?.id ?? 0)
      )?.status,
    ).toBe("suspended");
    await expect.poll(() => page.locator(`tr[data-worker="${api?.id}"] button:has-text('Resume')`).count()).toBe(1);
    await confirmAction(page, `tr[data-worker="${api?.id}"] button:has-text('Resume')`);
    expect(
      (
        await check
          .tables()
          .workers()
          .get(api?.id ?? 0)
      )?.status,
    ).toBe("ready");

    expect(await confirmAction(page, "button:has-text('Reclaim 1 zombie')")).toContain("3 messages released");
    expect((await check.tables().workers().get(seeded.zombieWorkerId))?.status).toBe("stopped");
    expect(await check.tables().messages().count({ consumerWorkerId: seeded.zombieWorkerId, state: "active" })).toBe(0);
    expect((await pgqrs.admin(seedStore).queueMetrics("reports")).leasedMessages).toBe(0);
  });

  it("refuses writes without the token, the page secret, or from another origin", async () => {
    const { check, url, seeded } = fx();
    const page = await fx().page();
    const [, id] = seeded.deadMessageIds;
    // A wrong token at the login form: refused, still on the login page.
    await page.goto(`${url}/queues/${seeded.queues.payments}?state=dead`);
    await page.fill("input[name=token]", "wrong");
    await page.locator("form[action='/login'] button[type=submit]").click();
    await page.getByTestId("login-failed").waitFor();
    expect(new URL(page.url()).pathname).toBe("/login");
    await signIn(page, url, TOKEN, `/queues/${seeded.queues.payments}?state=dead`);

    const csrf = (await page.locator("body").getAttribute("data-csrf")) ?? "";
    const session = (await page.context().cookies()).find((c) => c.name === "pgqrs_session");
    expect(session?.httpOnly).toBe(true);
    expect(session?.sameSite).toBe("Strict");
    expect(session?.value).not.toContain(TOKEN);
    const cookie = `pgqrs_session=${session?.value}`;
    const action = `${url}/actions/queues/${seeded.queues.payments}/messages/${id}/replay`;
    const post = (headers: Record<string, string>, body = "") =>
      fetch(action, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
        body,
      });
    const bearer = { authorization: `Bearer ${TOKEN}` };
    expect((await post({ "x-pgqrs-csrf": csrf })).status).toBe(401);
    expect((await post({ "x-pgqrs-csrf": csrf, authorization: "Bearer nope" })).status).toBe(401);
    expect((await post({ "x-pgqrs-csrf": csrf, cookie: "pgqrs_session=forged" })).status).toBe(401);
    expect((await post({ cookie })).status).toBe(403);
    expect((await post({ cookie, "x-pgqrs-csrf": csrf, origin: "http://evil.example" })).status).toBe(403);
    expect((await post({ ...bearer, origin: "http://evil.example" })).status).toBe(403);
    expect((await post({ ...bearer, "sec-fetch-site": "cross-site" })).status).toBe(403);
    expect((await fetch(action)).status).toBe(401);
    expect((await fetch(action, { headers: bearer })).status).toBe(404);
    expect(await statusWithHost(url, "evil.example", bearer)).toBe(403);
    expect(await statusWithHost(url, `localhost:${new URL(url).port}`, bearer)).toBe(200);
    expect(await statusWithHost(url, `localhost:${new URL(url).port}`)).toBe(401);
    expect(
      (
        await check
          .tables()
          .messages()
          .get(id ?? 0)
      )?.deadLetteredAt,
    ).not.toBeNull();

    // The form-field spelling of the page secret works with the session.
    const ok = await post({ cookie, accept: "application/json" }, new URLSearchParams({ csrf }).toString());
    expect(ok.status).toBe(200);
    expect(
      (
        await check
          .tables()
          .messages()
          .get(id ?? 0)
      )?.deadLetteredAt,
    ).toBeNull();
  });
});
