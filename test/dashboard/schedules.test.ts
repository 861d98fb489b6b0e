/**
 * The dashboard's Schedules page (issue 18) over HTTP, on each backend: a nav link on every page; each schedule
 * with its cron and timezone, target, state, next run, last run and last status; pause, resume and trigger-now as
 * POST actions, guarded like every action (the page secret on loopback, the token beyond it, same origin), with
 * refusals (unknown name, malformed name, unknown action) answering 404/400 and writing nothing; a name carrying
 * markup shows as text and round-trips through its action path.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import type { Store } from "../../src/index.js";
import { BACKENDS } from "../support/backends.js";
import { openTestStore } from "../support/stores.js";
import { TOKEN } from "./harness.js";
import { csrfOf, startDashboardPair } from "./post-action.js";

type Reply = { status: number; body: { ok?: boolean; message?: string } };

/** A schedule name with markup, a slash and a space: escaped on the page, URL-encoded in its action paths. */
const ODD = `<b>odd</b> a/b`;

describe.each(BACKENDS)("dashboard Schedules page (%s)", (backend) => {
  let store: Store;
  let clock: pgqrs.ManualClock;
  let base = "";
  let guarded = "";
  const closers: (() => Promise<unknown>)[] = [];
  const admin = () => pgqrs.admin(store);

  const post = async (url: string, path: string, headers: Record<string, string>): Promise<Reply> => {
    const res = await fetch(`${url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json", ...headers },
      body: "",
    });
    const text = await res.text();
    try {
      return { status: res.status, body: JSON.parse(text) as Reply["body"] };
    } catch {
      return { status: res.status, body: { message: text } };
    }
  };
  const act = async (path: string): Promise<Reply> => post(base, path, { "x-pgqrs-csrf": await csrfOf(base) });
  const pageText = async (): Promise<string> => {
    const res = await fetch(`${base}/schedules`);
    expect(res.status).toBe(200);
    return res.text();
  };
  const row = (body: string, name: string): string => {
    const at = body.indexOf(`<tr data-schedule="${name}"`);
    expect(at, name).toBeGreaterThan(-1);
    return body.slice(at, body.indexOf("</tr>", at));
  };
  const text = (html: string, id: string): string =>
    (new RegExp(`data-testid="${id}"[^>]*>(.*?)</td>`, "s").exec(html)?.[1] ?? "")
      .replace(/<[^>]+>/g, "")
      .replace(/\s+/g, " ")
      .trim();
  const messagesOf = async (queue: string) =>
    store
      .tables()
      .messages()
      .filterByQueue((await admin().getQueue(queue)).id);

  beforeAll(async () => {
    ({ store, clock } = await openTestStore(backend));
    await admin().createQueue("ds_pings");
    await store.createWorkflow("ds_report");
    await admin().createSchedule({ name: "ds_hourly", cron: "0 * * * *", queue: "ds_pings", payload: { ping: 1 } });
    await admin().createSchedule({
      name: "ds_berlin",
      cron: "30 2 * * *",
      timezone: "Europe/Berlin",
      workflow: "ds_report",
      input: { kind: "nightly" },
    });
    await admin().createSchedule({ name: ODD, cron: "@daily", queue: "ds_pings" });
    const dashboards = await startDashboardPair(store);
    closers.push(dashboards.close);
    ({ base, guarded } = dashboards);
  }, 60_000);

  afterAll(async () => {
    for (const close of closers) await close().catch(() => undefined);
  });

  it("links the page from the navigation of every page", async () => {
    for (const path of ["/", "/workers", "/workflows", "/schedules"]) {
      const body = await (await fetch(`${base}${path}`)).text();
      expect(body, path).toMatch(/<nav>.*<a href="\/schedules" class="[^"]*">Schedules<\/a>.*<\/nav>/s);
    }
    expect(await pageText()).toContain('<a href="/schedules" class="active">Schedules</a>');
  });

  it("lists each schedule with its cron, target, state, next and last runs", async () => {
    const body = await pageText();
    expect(body).toMatch(/data-testid="schedules-total">3</);
    const hourly = row(body, "ds_hourly");
    expect(hourly).toContain("0 * * * *");
    expect(hourly).toMatch(/queue <span class="mono">ds_pings<\/span>/);
    expect(hourly).toContain("{&quot;ping&quot;:1}");
    expect(text(hourly, "state-\\d+")).toBe("active");
    // The store's clock reads 2026-01-01T00:00:00Z: the next hourly tick is an hour on.
    expect(hourly).toMatch(/data-testid="next-\d+"><time datetime="2026-01-01T01:00:00.000Z"[^>]*>in 1.0 h</);
    expect(text(hourly, "last-\\d+")).toBe("—");
    expect(text(hourly, "last-status-\\d+")).toBe("—");
    const berlin = row(body, "ds_berlin");
    expect(berlin).toMatch(/30 2 \* \* \* <span class="muted">Europe\/Berlin<\/span>/);
    expect(berlin).toMatch(/workflow <span class="mono">ds_report<\/span>/);
    // 02:30 in Berlin (UTC+1 in winter) is 01:30 UTC.
    expect(berlin).toContain('datetime="2026-01-01T01:30:00.000Z"');
    for (const label of ["Pause", "Trigger now"]) expect(hourly).toContain(`>${label}</button>`);
    expect(hourly).not.toContain(">Resume</button>");
    expect(hourly).toContain('action="/actions/schedules/ds_hourly/pause"');
    expect(hourly).toMatch(/data-confirm="[^"]+"/);
  });

  it("escapes a name carrying markup and encodes it in its action paths", async () => {
    const body = await pageText();
    expect(body).not.toContain("<b>odd</b>");
    expect(body).toContain("&lt;b&gt;odd&lt;/b&gt; a/b");
    const encoded = encodeURIComponent(ODD);
    expect(body).toContain(`action="/actions/schedules/${encoded}/trigger"`);
    const before = (await messagesOf("ds_pings")).length;
    expect((await act(`/actions/schedules/${encoded}/trigger`)).status).toBe(200);
    expect((await messagesOf("ds_pings")).length).toBe(before + 1);
  });

  it("pauses and resumes from the page's actions", async () => {
    const paused = await act("/actions/schedules/ds_hourly/pause");
    expect(paused).toMatchObject({ status: 200, body: { ok: true } });
    expect(paused.body.message).toContain("ds_hourly is paused");
    expect((await admin().getSchedule("ds_hourly")).paused).toBe(true);
    const hourly = row(await pageText(), "ds_hourly");
    expect(text(hourly, "state-\\d+")).toBe("paused");
    expect(hourly).toContain(">Resume</button>");
    expect(hourly).not.toContain(">Pause</button>");
    expect(await pageText()).toMatch(/data-testid="schedules-paused">1</);

    const resumed = await act("/actions/schedules/ds_hourly/resume");
    expect(resumed).toMatchObject({ status: 200, body: { ok: true } });
    expect(resumed.body.message).toContain("next run 2026-01-01T01:00:00.000Z");
    expect((await admin().getSchedule("ds_hourly")).paused).toBe(false);
  });

  it("triggers now: one message with the firing time for a queue, one run for a workflow", async () => {
    clock.advance(5 * 60_000);
    const before = await messagesOf("ds_pings");
    const reply = await act("/actions/schedules/ds_hourly/trigger");
    expect(reply).toMatchObject({ status: 200, body: { ok: true, message: "Schedule ds_hourly fired now" } });
    const after = await messagesOf("ds_pings");
    expect(after.length).toBe(before.length + 1);
    const fired = after.find((m) => !before.some((b) => b.id === m.id));
    expect(fired?.payload).toMatchObject({ ping: 1, scheduledAt: "2026-01-01T00:05:00.000Z" });

    const wf = await store.tables().workflows().getByName("ds_report");
    const runs = await store
      .tables()
      .workflowRuns()
      .count({ workflowId: wf?.id ?? 0 });
    expect((await act("/actions/schedules/ds_berlin/trigger")).status).toBe(200);
    expect(
      await store
        .tables()
        .workflowRuns()
        .count({ workflowId: wf?.id ?? 0 }),
    ).toBe(runs + 1);
  });

  it("refuses an unknown schedule, a malformed name and an unknown action, writing nothing", async () => {
    const missing = await act("/actions/schedules/ds_nope/pause");
    expect(missing.status).toBe(404);
    expect(missing.body.ok).toBe(false);
    expect((await act("/actions/schedules/%E0%A4%A/pause")).status).toBe(400);
    expect((await act("/actions/schedules/ds_hourly/explode")).status).toBe(404);
    expect((await admin().getSchedule("ds_hourly")).paused).toBe(false);
  });

  it("guards the actions: no page secret, a foreign origin or no token is refused and changes nothing", async () => {
    const before = (await messagesOf("ds_pings")).length;
    expect((await post(base, "/actions/schedules/ds_hourly/pause", {})).status).toBe(403);
    const secret = await csrfOf(base);
    const crossSite = await post(base, "/actions/schedules/ds_hourly/trigger", {
      "x-pgqrs-csrf": secret,
      origin: "http://evil.example",
    });
    expect(crossSite.status).toBe(403);
    expect((await post(guarded, "/actions/schedules/ds_hourly/pause", {})).status).toBe(401);
    expect((await fetch(`${guarded}/schedules`, { headers: { accept: "application/json" } })).status).toBe(401);
    expect((await admin().getSchedule("ds_hourly")).paused).toBe(false);
    expect((await messagesOf("ds_pings")).length).toBe(before);
    // With the token (a script's bearer header) the same action goes through.
    const bearer = { authorization: `Bearer ${TOKEN}` };
    expect((await fetch(`${guarded}/schedules`, { headers: bearer })).status).toBe(200);
    expect((await post(guarded, "/actions/schedules/ds_hourly/pause", bearer)).status).toBe(200);
    expect((await admin().getSchedule("ds_hourly")).paused).toBe(true);
    await admin().resumeSchedule("ds_hourly");
  });

  it("pages the list: 50 schedules a page with the counts of all, so a page's reads do not grow with the data", async () => {
    const before = await admin().countSchedules();
    for (let i = 0; i < 55; i += 1) {
      await admin().createSchedule({ name: `ds_zz_${String(i).padStart(2, "0")}`, cron: "@daily", queue: "ds_pings" });
    }
    await admin().pauseSchedule("ds_zz_54");
    const counts = await admin().countSchedules();
    expect(counts).toEqual({ total: before.total + 55, paused: before.paused + 1 });
    const first = await pageText();
    expect((first.match(/<tr data-schedule="/g) ?? []).length).toBe(50);
    expect(/data-testid="schedules-total">([^<]*)</.exec(first)?.[1]).toBe(String(counts.total));
    expect(first).toContain('href="/schedules?page=1"');
    const res = await fetch(`${base}/schedules?page=1`);
    const second = await res.text();
    const rows = (second.match(/<tr data-schedule="/g) ?? []).length;
    expect(rows).toBe(counts.total - 50);
    expect(second).toContain('data-schedule="ds_zz_54"');
    expect(await admin().listSchedules({ limit: 2, offset: 1 })).toHaveLength(2);
    for (let i = 0; i < 55; i += 1) await admin().deleteSchedule(`ds_zz_${String(i).padStart(2, "0")}`);
  });
});
