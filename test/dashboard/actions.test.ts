/**
 * Actions through the UI (each confirmed in a dialog, with the token) and their effect in the database; and the
 * guard: token, page secret, cross-origin and foreign-Host requests are refused and change nothing.
 */
import { request } from "node:http";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { BACKENDS } from "../support/backends.js";
import { TOKEN, useDashboard } from "./harness.js";

/** Click an action button, check the dialog asks first, type the token and confirm; returns the toast text. */
async function confirmAction(page: Page, button: string, token: string): Promise<string> {
  await page.locator(".toast").evaluateAll((toasts) => {
    for (const t of toasts) t.remove();
  });
  await page.locator(`main ${button}`).click();
  const dialog = page.locator("#confirm");
  await dialog.waitFor({ state: "visible" });
  await page.fill("#token-input", token);
  await page.locator("#confirm button[value=ok]").click();
  const toast = page.locator(".toast").last();
  await toast.waitFor({ state: "visible" });
  return (await toast.textContent()) ?? "";
}

/** GET with a chosen Host header (fetch does not let one set it): what a DNS-rebinding page would send. */
function statusWithHost(url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { host } }, (res) => {
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
    await page.goto(`${url}/runs/${seeded.runningRunId}`);
    // Dismissing the dialog does nothing.
    await page.locator("main button", { hasText: "Cancel run" }).click();
    await page.locator("#confirm button[value=cancel]").click();
    expect((await check.tables().workflowRuns().get(seeded.runningRunId))?.status).toBe("RUNNING");

    await page.locator("main button", { hasText: "Cancel run" }).click();
    await shot(page, "confirm-cancel");
    await page.locator("#confirm button[value=cancel]").click();
    expect(await confirmAction(page, "button:has-text('Cancel run')", TOKEN)).toContain("cancelling");
    expect((await check.tables().workflowRuns().get(seeded.runningRunId))?.status).toBe("CANCELLING");
    // The page refreshes itself: the button goes away and the status pill changes.
    await expect.poll(() => page.locator("h1 .pill").textContent()).toBe("cancelling");
  });

  it("replays a dead letter from the queue page", async () => {
    const { check, url, seeded } = fx();
    const page = await fx().page();
    const [id] = seeded.deadMessageIds;
    await page.goto(`${url}/queues/${seeded.queues.payments}?state=dead`);
    expect(await confirmAction(page, `tr[data-message="${id}"] button:has-text('Replay')`, TOKEN)).toContain("is back");
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
    await page.goto(`${url}/workers`);
    expect(await confirmAction(page, `tr[data-worker="${api?.id}"] button:has-text('Suspend')`, TOKEN)).toContain(
      "suspended",
    );
    expect(
      (
        await check
          .tables()
          .workers()
          .get(api?.id ?? 0)
      )?.status,
    ).toBe("suspended");
    await expect.poll(() => page.locator(`tr[data-worker="${api?.id}"] button:has-text('Resume')`).count()).toBe(1);
    await confirmAction(page, `tr[data-worker="${api?.id}"] button:has-text('Resume')`, TOKEN);
    expect(
      (
        await check
          .tables()
          .workers()
          .get(api?.id ?? 0)
      )?.status,
    ).toBe("ready");

    expect(await confirmAction(page, "button:has-text('Reclaim 1 zombie')", TOKEN)).toContain("3 messages released");
    expect((await check.tables().workers().get(seeded.zombieWorkerId))?.status).toBe("stopped");
    expect(await check.tables().messages().count({ consumerWorkerId: seeded.zombieWorkerId, state: "active" })).toBe(0);
    expect((await pgqrs.admin(seedStore).queueMetrics("reports")).leasedMessages).toBe(0);
  });

  it("refuses writes without the token, the page secret, or from another origin", async () => {
    const { check, url, seeded } = fx();
    const page = await fx().page();
    const [, id] = seeded.deadMessageIds;
    await page.goto(`${url}/queues/${seeded.queues.payments}?state=dead`);
    // A wrong token typed into the dialog: refused, and nothing changes.
    expect(await confirmAction(page, `tr[data-message="${id}"] button:has-text('Replay')`, "wrong")).toContain("token");
    expect(
      (
        await check
          .tables()
          .messages()
          .get(id ?? 0)
      )?.deadLetteredAt,
    ).not.toBeNull();

    const csrf = (await page.locator("body").getAttribute("data-csrf")) ?? "";
    const action = `${url}/actions/queues/${seeded.queues.payments}/messages/${id}/replay`;
    const post = (headers: Record<string, string>, body = "") =>
      fetch(action, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
        body,
      });
    expect((await post({ "x-pgqrs-csrf": csrf })).status).toBe(401);
    expect((await post({ "x-pgqrs-csrf": csrf, "x-pgqrs-token": "nope" })).status).toBe(401);
    expect((await post({ "x-pgqrs-token": TOKEN })).status).toBe(403);
    expect((await post({ "x-pgqrs-csrf": csrf, "x-pgqrs-token": TOKEN, origin: "http://evil.example" })).status).toBe(
      403,
    );
    expect((await post({ "x-pgqrs-csrf": csrf, "x-pgqrs-token": TOKEN, "sec-fetch-site": "cross-site" })).status).toBe(
      403,
    );
    expect((await fetch(action)).status).toBe(404);
    expect(await statusWithHost(url, "evil.example")).toBe(403);
    expect(await statusWithHost(url, `localhost:${new URL(url).port}`)).toBe(200);
    expect(
      (
        await check
          .tables()
          .messages()
          .get(id ?? 0)
      )?.deadLetteredAt,
    ).not.toBeNull();

    // The form-field spelling works too.
    const ok = await post({ accept: "application/json" }, new URLSearchParams({ csrf, token: TOKEN }).toString());
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
