/**
 * Every page of the dashboard in headless Chromium, against a seeded database of each backend: the numbers on
 * the page are the numbers in the database, and the page updates itself when the database changes.
 */
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { WORKFLOW_STATUSES } from "../../src/index.js";
import { BACKENDS } from "../support/backends.js";
import { numberAt, useDashboard } from "./harness.js";

describe.each(BACKENDS)("dashboard pages (%s)", (backend) => {
  const fx = useDashboard(backend);

  it("overview shows every queue's counts, workers and runs by status, and the last hour's throughput", async () => {
    const { check, url, shot } = fx();
    const page = await fx().page();
    await page.goto(url);
    const metrics = await pgqrs.admin(check).allQueuesMetrics();
    expect(metrics.map((m) => m.name).sort()).toEqual([
      "emails",
      "payments",
      "process_order",
      "reports",
      "send_invoice",
    ]);
    for (const m of metrics) {
      expect(await numberAt(page, `q-${m.queueId}-pending`)).toBe(m.pendingMessages);
      expect(await numberAt(page, `q-${m.queueId}-leased`)).toBe(m.leasedMessages);
      expect(await numberAt(page, `q-${m.queueId}-archived`)).toBe(m.archivedMessages);
      expect(await numberAt(page, `q-${m.queueId}-dead`)).toBe(m.deadLetteredMessages);
    }
    expect(await numberAt(page, "total-dead")).toBe(3);
    const [health] = await pgqrs.admin(check).workerHealthStats();
    expect(await numberAt(page, "workers-ready")).toBe(health?.readyWorkers);
    expect(await numberAt(page, "workers-polling")).toBe(health?.pollingWorkers);
    expect(await numberAt(page, "workers-suspended")).toBe(health?.suspendedWorkers);
    expect(await numberAt(page, "workers-stopped")).toBe(health?.stoppedWorkers);
    expect(await numberAt(page, "zombies")).toBe(1);
    const runs = check.tables().workflowRuns();
    for (const s of WORKFLOW_STATUSES) expect(await numberAt(page, `runs-${s}`)).toBe(await runs.count({ status: s }));

    // Throughput: messages archived (not dead-lettered) in the last hour, from the archived_at timestamps.
    const since = Date.now() - 60 * 60_000;
    let completed = 0;
    for (const m of metrics) {
      const archived = await check.tables().messages().listArchivedByQueue(m.queueId, { limit: 100_000 });
      completed += archived.filter((a) => a.deadLetteredAt === null && (a.archivedAt?.getTime() ?? 0) >= since).length;
    }
    expect(completed).toBeGreaterThan(500);
    // A minute boundary may pass between the two reads; at most the first minute's bar can drop out.
    // The history is read in the background: the live refresh shows it.
    await expect
      .poll(async () => Math.abs((await numberAt(page, "throughput-total")) - completed), { timeout: 10_000 })
      .toBeLessThan(40);
    await shot(page, "overview");
  });

  it("queue page lists messages by state with paging, a payload viewer and the queue's counts", async () => {
    const { check, url, seeded, shot } = fx();
    const page = await fx().page();
    await page.goto(`${url}/queues/${seeded.queues.emails}`);
    const m = await pgqrs.admin(check).queueMetrics("emails");
    expect(await numberAt(page, "pending")).toBe(m.pendingMessages);
    expect(await numberAt(page, "leased")).toBe(m.leasedMessages);
    expect(await numberAt(page, "delayed")).toBe(m.delayedMessages);
    expect(await page.locator("[data-message]").count()).toBe(Math.min(50, m.activeMessages));
    const newest = await check.tables().messages().list({ queueId: seeded.queues.emails, limit: 1 });
    await page.locator(`[data-payload="${newest[0]?.id}"]`).click();
    await expect
      .poll(() => page.locator("#viewer pre").textContent())
      .toBe(JSON.stringify(newest[0]?.payload, null, 2));
    await shot(page, "queue-payload");
    await page.locator("#viewer button").click();

    await page.goto(`${url}/queues/${seeded.queues.emails}?state=archived`);
    expect(await page.locator("[data-message]").count()).toBe(50);
    await page.locator("a[rel=next]").click();
    await page.waitForURL(/page=1/);
    const second = await check
      .tables()
      .messages()
      .list({ queueId: seeded.queues.emails, state: "archived", limit: 50, offset: 50 });
    const shown = await page
      .locator("[data-message]")
      .evaluateAll((rows) => rows.map((r) => Number(r.getAttribute("data-message"))));
    expect(shown).toEqual(second.map((x) => x.id));

    await page.goto(`${url}/queues/${seeded.queues.payments}?state=dead`);
    const dead = await page
      .locator("[data-message]")
      .evaluateAll((rows) => rows.map((r) => Number(r.getAttribute("data-message"))));
    expect(dead.sort()).toEqual([...seeded.deadMessageIds].sort());
    await shot(page, "queue-dead");
  });

  it("workers page shows status, heartbeat age, held messages and highlights the zombie", async () => {
    const { check, url, seeded, shot } = fx();
    const page = await fx().page();
    await page.goto(`${url}/workers`);
    // The page lists live workers (stopped and ephemeral ones only with ?all=1).
    const workers = await check.tables().workers().list({ limit: 1000, hideStopped: true, hideEphemeral: true });
    expect(await page.locator("[data-worker]").count()).toBe(workers.length);
    const zombieRow = page.locator(`tr[data-worker="${seeded.zombieWorkerId}"]`);
    expect(await zombieRow.getAttribute("class")).toContain("zombie");
    expect(await page.locator("tr.zombie").count()).toBe(1);
    for (const w of workers) {
      const held = await check.tables().messages().count({ consumerWorkerId: w.id, state: "active" });
      expect(await numberAt(page, `held-${w.id}`)).toBe(held);
    }
    expect(await numberAt(page, `held-${seeded.zombieWorkerId}`)).toBe(3);
    expect(await page.getByTestId(`heartbeat-${seeded.zombieWorkerId}`).textContent()).toMatch(/h ago|min ago/);
    await shot(page, "workers");
  });

  it("workflows page lists definitions and runs by status, and finds a run by id", async () => {
    const { check, url, shot } = fx();
    const page = await fx().page();
    await page.goto(`${url}/workflows`);
    expect(await page.locator("text=process_order").count()).toBeGreaterThan(0);
    const runs = check.tables().workflowRuns();
    expect(await page.locator("[data-run]").count()).toBe(Math.min(50, await runs.count()));
    await shot(page, "workflows");
    // Cursor pages of runs (admin listRuns): every run once, until there is no older page (60 more runs make two).
    await check.createWorkflow("paging_probe");
    for (let i = 0; i < 60; i++) await pgqrs.workflow("paging_probe").trigger(i).start(check);
    await page.goto(`${url}/workflows`);
    expect(await page.locator("[data-run]").count()).toBe(50);
    const seen: number[] = [];
    for (;;) {
      const ids = await page.locator("[data-run]").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-run")));
      seen.push(...ids.map(Number));
      const older = page.locator(".card", { has: page.getByTestId("runs") }).locator("a[rel=next]");
      if ((await older.count()) === 0) break;
      const next = await older.getAttribute("href");
      expect(next).toContain("cursor=");
      await page.goto(`${url}${next}`);
    }
    expect(seen.length).toBe(await runs.count());
    expect(new Set(seen).size).toBe(seen.length);
    await page.goto(`${url}/workflows`);
    await page.locator("a", { hasText: "error" }).first().click();
    await page.waitForURL(/status=ERROR/);
    expect(await page.locator("[data-run]").count()).toBe(await runs.count({ status: "ERROR" }));
    const [some] = await runs.list({ status: "SUCCESS", limit: 1 });
    await page.fill("input[name=q]", String(some?.messageId));
    await page.press("input[name=q]", "Enter");
    await page.waitForURL(new RegExp(`/runs/${some?.id}$`));
    await page.goto(`${url}/workflows?q=999999`);
    expect(await page.getByTestId("search-miss").count()).toBe(1);
  });

  it("run page shows the steps as a timeline with attempts, retry times, inputs, outputs and errors", async () => {
    const { check, url, seeded, shot } = fx();
    const page = await fx().page();
    await page.goto(`${url}/runs/${seeded.retriedRunId}`);
    const steps = await check.tables().workflowSteps().listForRun(seeded.retriedRunId);
    expect(await numberAt(page, "step-count")).toBe(steps.length);
    expect(await page.locator("[data-step]").evaluateAll((els) => els.map((e) => e.getAttribute("data-step")))).toEqual(
      steps.map((s) => s.stepName),
    );
    expect(await page.getByTestId("attempts-charge_card").textContent()).toBe("3 attempts");
    await page.locator('[data-step="charge_card"] summary').click();
    await expect.poll(() => page.locator('[data-step="charge_card"] .body').textContent()).toContain("chargeId");
    await shot(page, "run-timeline");

    const [failed] = await check.tables().workflowRuns().list({ status: "ERROR", limit: 1 });
    await page.goto(`${url}/runs/${failed?.id}`);
    expect(await page.locator("pre.json.error").first().textContent()).toContain("CARD_DECLINED");
  });

  it("pages update live without a reload", async () => {
    const { check, url, seeded, seedStore } = fx();
    const page = await fx().page();
    await page.goto(url);
    const id = `q-${seeded.queues.reports}-pending`;
    const before = await numberAt(page, id);
    await (await seedStore.producer("reports", `live-${backend}`)).enqueueBatch([{ a: 1 }, { a: 2 }, { a: 3 }]);
    const after = (await pgqrs.admin(check).queueMetrics("reports")).pendingMessages;
    expect(after).toBe(before + 3);
    await expect.poll(() => numberAt(page, id), { timeout: 10_000 }).toBe(after);
  });
});
