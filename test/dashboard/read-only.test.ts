/**
 * A read-only dashboard (`readOnly: true`, `pgqrs dashboard --read-only`) over HTTP, on each backend: every action the
 * router knows (enumerated from ACTION_ROUTES, so a new action cannot slip through) answers 403 with code READ_ONLY,
 * with the page secret and with a bearer token alike, and the database is unchanged; its pages carry no action form
 * and a "read-only" badge, where the same pages of an ordinary dashboard on the same database do carry forms; GET
 * pages and /metrics keep working.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACTION_ROUTES, findActionRoute } from "../../src/dashboard/action-routes.js";
import { startDashboard } from "../../src/dashboard/server.js";
import * as pgqrs from "../../src/index.js";
import type { ManualClock, Store } from "../../src/index.js";
import { BACKENDS } from "../support/backends.js";
import { openTestStore } from "../support/stores.js";
import { TOKEN } from "./harness.js";
import { type ActionReply, csrfOf, postAction, settingsForm } from "./post-action.js";

/** A form that posts an action (the login and sign-out forms post elsewhere). */
const ACTION_FORM = /<form\b[^>]*\bmethod="post"[^>]*\baction="\/actions\//;
const BADGE = 'data-testid="read-only"';

/** Fields that would make each action do its work (the settings form clears every setting). */
const FIELDS = settingsForm({ topic: "go", payload: '{"x":1}', fromStep: "a", delay: "" });

describe.each(BACKENDS)("read-only dashboard (%s)", (backend) => {
  let store: Store;
  let clock: ManualClock;
  const urls = { open: "", readOnly: "", readOnlyToken: "" };
  const closers: (() => Promise<void>)[] = [];
  const ids = { queue: 0, message: 0, worker: 0, run: 0, schedule: "ro_hourly" };

  const admin = () => pgqrs.admin(store);
  /** Everything an action could write (worker heartbeats aside, which no action sets). */
  const snapshot = async (): Promise<string> => {
    const t = store.tables();
    return JSON.stringify({
      queues: await t.queues().list(),
      messages: await t.messages().list({ state: "all", limit: 1000 }),
      workers: (await t.workers().list()).map((w) => [w.id, w.name, w.status, w.queueId, w.shutdownAt]),
      runs: await t.workflowRuns().list(),
      schedules: await admin().listSchedules(),
    });
  };
  /** Every action posted with fields that would make it do its work. */
  const post = (url: string, path: string, headers: Record<string, string>): Promise<ActionReply> =>
    postAction(url, path, headers, FIELDS);
  /** Each route of the router, its parameters filled with this database's ids. */
  const paths = (): string[] =>
    ACTION_ROUTES.map((r) =>
      r.template
        .replace("{run}", String(ids.run))
        .replace("{queue}", String(ids.queue))
        .replace("{message}", String(ids.message))
        .replace("{worker}", String(ids.worker))
        .replace("{schedule}", encodeURIComponent(ids.schedule)),
    );
  const pages = (): string[] => [
    "/",
    "/workers?all=1",
    "/workflows",
    "/schedules",
    `/queues/${ids.queue}`,
    `/queues/${ids.queue}?state=dead`,
    `/runs/${ids.run}`,
  ];

  beforeAll(async () => {
    ({ store, clock } = await openTestStore(backend));
    const queue = await admin().createQueue("ro_mail", { retry: { maxAttempts: 1 }, concurrencyLimit: 3 });
    ids.queue = queue.id;
    await (await store.producer("ro_mail", "ro-api")).enqueueBatch([{ n: 1 }, { n: 2 }, { n: 3 }]);
    const consumer = await store.consumer("ro_mail", "ro-sender");
    const [held] = await consumer.dequeue({ batchSize: 1, vtSeconds: 1 });
    clock.advance(2_000);
    ids.message = held?.id ?? 0;
    expect(await admin().dlq("ro_mail")).toEqual([ids.message]);
    ids.worker = (await store.tables().workers().getByName("ro-sender"))?.id ?? 0;
    await admin().createSchedule({ name: ids.schedule, cron: "0 * * * *", queue: "ro_mail", payload: { ping: 1 } });
    const def = pgqrs.defineWorkflow({ name: `ro_flow_${backend}` }, async () => "done");
    await pgqrs.workflow().name(def).create(store);
    ids.run = (await pgqrs.workflow().name(def).trigger({}).start(store)).run.id;

    const open = await startDashboard({ store, host: "127.0.0.1", port: 0 });
    const readOnly = await startDashboard({ store, host: "127.0.0.1", port: 0, readOnly: true });
    const withToken = await startDashboard({ store, host: "127.0.0.1", port: 0, token: TOKEN, readOnly: true });
    closers.push(open.close, readOnly.close, withToken.close);
    Object.assign(urls, { open: open.url, readOnly: readOnly.url, readOnlyToken: withToken.url });
  });

  afterAll(async () => {
    for (const close of closers) await close();
  });

  it("knows every action of the router, each path a route", () => {
    expect(ACTION_ROUTES.length).toBeGreaterThanOrEqual(17);
    for (const path of paths()) expect(findActionRoute(path), path).not.toBeNull();
  });

  it("refuses every action with 403 READ_ONLY, page secret or bearer token, and writes nothing", async () => {
    const before = await snapshot();
    const csrf = await csrfOf(urls.readOnly);
    expect(csrf).not.toBe("");
    for (const path of paths()) {
      for (const [url, headers] of [
        [urls.readOnly, { "x-pgqrs-csrf": csrf }],
        [urls.readOnlyToken, { authorization: `Bearer ${TOKEN}` }],
      ] as const) {
        const reply = await post(url, path, headers);
        expect(reply, `${path} on ${url}`).toEqual({
          status: 403,
          body: { ok: false, code: "READ_ONLY", message: expect.stringContaining("read-only") },
        });
      }
    }
    // Not an action at all: refused the same way, so the refusal does not depend on the route table.
    expect((await post(urls.readOnly, "/actions/nothing/here", { "x-pgqrs-csrf": csrf })).body.code).toBe("READ_ONLY");
    expect(await snapshot()).toBe(before);
    expect((await admin().getQueue("ro_mail")).concurrencyLimit).toBe(3);
    expect((await admin().listDlq("ro_mail")).map((m) => m.id)).toEqual([ids.message]);
  });

  it("renders every page without action forms and with the read-only badge; the ordinary dashboard has forms", async () => {
    for (const path of pages()) {
      const res = await fetch(new URL(path, urls.readOnly));
      expect(res.status, path).toBe(200);
      const body = await res.text();
      expect(body, path).not.toMatch(ACTION_FORM);
      expect(body, path).not.toMatch(/method="post"/);
      expect(body, path).toContain(BADGE);
      const open = await (await fetch(new URL(path, urls.open))).text();
      expect(open, path).not.toContain(BADGE);
      if (path !== "/" && path !== "/workflows") expect(open, path).toMatch(ACTION_FORM);
    }
    const signedIn = await fetch(new URL("/schedules", urls.readOnlyToken), {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const body = await signedIn.text();
    expect(body).toContain(BADGE);
    expect(body).not.toMatch(ACTION_FORM);
    // Sign-out is the one form a token-guarded read-only page keeps.
    expect(body).toContain('action="/logout"');
  });

  it("serves /metrics and the message API as usual", async () => {
    const metrics = await fetch(new URL("/metrics", urls.readOnly));
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain("ro_mail");
    const msg = await fetch(new URL(`/api/messages/${ids.message}`, urls.readOnly));
    expect(msg.status).toBe(200);
  });

  it("the ordinary dashboard on the same database answers every one of those paths as an action", async () => {
    const csrf = await csrfOf(urls.open);
    for (const path of paths()) {
      const reply = await post(urls.open, path, { "x-pgqrs-csrf": csrf });
      expect(reply.status, path).not.toBe(403);
      expect(reply.body.message, path).not.toBe("No such action");
      expect(reply.body.code, path).not.toBe("READ_ONLY");
    }
  });
});
