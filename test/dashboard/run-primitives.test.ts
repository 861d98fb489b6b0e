/**
 * The run page and the "send message" action for the durable workflow primitives (issue 15), over HTTP, on each
 * backend: real workflows run by a real worker until they pause (asleep, waiting for a child, waiting for a
 * message), then the rendered HTML is checked: the wait in words in an info box (never the red error box), links
 * between parent and child, messages and events, everything user-controlled escaped. The action is guarded like the
 * others (token beyond loopback, page secret, same origin), refuses bad JSON, an empty topic and a finished run with
 * nothing written, and a good send wakes the run that waits for it.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { waitBanner } from "../../src/dashboard/pages/run-primitives-view.js";
import * as pgqrs from "../../src/index.js";
import type { RunRecord, Store, WorkflowDefinition } from "../../src/index.js";
import { BACKENDS, dropSchema, freshDatabase } from "../support/backends.js";
import { TOKEN } from "./harness.js";
import { csrfOf, signIn, startDashboardPair } from "./post-action.js";

/** User data full of markup: it must reach the page escaped only. */
const TOPIC = `ok<img src=x onerror=alert(1)>"&'`;
const KEY = "<script>alert('key')</script>";
const EVENT_VALUE = { note: "<b>bold</b>" };
const PAYLOAD = { approved: true, by: "<i>eve</i>" };
/** The store's manual clock stands still here. */
const NOW = new Date("2026-01-01T00:00:00.000Z");
const HOUR = 3_600_000;

const esc = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");

describe.each(BACKENDS)("run page: waits, messages, events, children and sending (%s)", (backend) => {
  const { dsn, schema } = freshDatabase(backend);
  let store: Store;
  let base = "";
  let guarded = "";
  const closers: (() => Promise<unknown>)[] = [];
  const ids = { sleeper: 0, parent: 0, child: 0, pauser: 0 };
  let n = 0;

  const runOf = async (id: number): Promise<RunRecord> => {
    const r = await store.tables().workflowRuns().get(id);
    if (r === null) throw new Error(`run ${id} is missing`);
    return r;
  };
  /** Wait (polling the database, in a hook) until `read` gives a value that `ok` accepts; that value. */
  const until = <T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> =>
    vi.waitFor(
      async () => {
        const v = await read();
        if (!ok(v)) throw new Error(`still waiting for ${what}: ${JSON.stringify(v)}`);
        return v;
      },
      { timeout: 30_000, interval: 20 },
    );
  /** The id of the run of trigger `messageId`, once it is PAUSED. */
  const pausedRunOf = async (messageId: number): Promise<number> => {
    const run = await until(
      () => store.tables().workflowRuns().getByMessageId(messageId),
      (r) => r !== null && (r.status === "PAUSED" || r.completedAt !== null),
      `run of message ${messageId} to pause`,
    );
    // A run that ended instead of pausing fails the setup at once, with its error.
    expect(run?.status, JSON.stringify(run?.error)).toBe("PAUSED");
    return run?.id ?? 0;
  };
  const get = async (path: string): Promise<{ status: number; body: string }> => {
    const res = await fetch(`${base}${path}`);
    return { status: res.status, body: await res.text() };
  };
  const post = async (
    url: string,
    path: string,
    fields: Record<string, string>,
    headers: Record<string, string>,
  ): Promise<{ status: number; body: { ok?: boolean; message?: string } }> => {
    const res = await fetch(`${url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json", ...headers },
      body: new URLSearchParams(fields).toString(),
    });
    const text = await res.text();
    let body: { ok?: boolean; message?: string } = {};
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      body = { message: text };
    }
    return { status: res.status, body };
  };

  beforeAll(async () => {
    n += 1;
    const clock = new pgqrs.ManualClock(NOW);
    store = await pgqrs.connect(dsn, { schema, clock, pollIntervalMs: 10 });
    closers.push(async () => {
      await store.close();
      if (backend === "postgres") await dropSchema(schema);
    });
    await pgqrs.admin(store).install();

    const sleeper = pgqrs.defineWorkflow({ name: `dash_sleeper_${n}` }, async (run) => {
      await run.sleep("nap", HOUR);
      return "rested";
    });
    const pauser = pgqrs.defineWorkflow({ name: `dash_pauser_${n}` }, async () => {
      throw pgqrs.pauseError("out of <b>stock</b>", 2 * HOUR);
    });
    const child = pgqrs.defineWorkflow({ name: `dash_child_${n}` }, async (run) => {
      const got = await run.recv<typeof PAYLOAD>("approval", TOPIC, { timeoutMs: HOUR / 2 });
      return { got };
    });
    const parent = pgqrs.defineWorkflow({ name: `dash_parent_${n}` }, async (run) => {
      await run.setEvent(KEY, EVENT_VALUE);
      const out = await run.callChild("kid", child, { n: 1 });
      await run.setEvent("done", out);
      return out;
    });
    const loops: Promise<unknown>[] = [];
    const consumers: { interrupt(): Promise<unknown> }[] = [];
    const serve = async <I, O>(def: WorkflowDefinition<I, O>) => {
      await pgqrs.workflow().name(def).create(store);
      const consumer = await store.consumer(def.name);
      consumers.push(consumer);
      loops.push(pgqrs.workflow().name(def).consumer(consumer).poll(store));
    };
    await serve(sleeper);
    await serve(pauser);
    await serve(child);
    await serve(parent);
    closers.unshift(async () => {
      for (const c of consumers) await c.interrupt();
      await Promise.all(loops);
    });

    const dashboards = await startDashboardPair(store);
    closers.unshift(dashboards.close);
    ({ base, guarded } = dashboards);

    ids.sleeper = await pausedRunOf((await pgqrs.workflow().name(sleeper).trigger({}).execute(store)).id);
    ids.pauser = await pausedRunOf((await pgqrs.workflow().name(pauser).trigger({}).execute(store)).id);
    ids.parent = await pausedRunOf((await pgqrs.workflow().name(parent).trigger({}).execute(store)).id);
    const parentRun = await until(
      () => runOf(ids.parent),
      (r) => r.waitingFor?.kind === "child",
      "the child wait",
    );
    ids.child = parentRun.waitingFor?.childRunId ?? 0;
    await until(
      () => runOf(ids.child),
      (r) => r.waitingFor?.kind === "message",
      "the child's recv",
    );
  }, 90_000);

  afterAll(async () => {
    for (const close of closers) await close().catch(() => undefined);
  });

  it("says in words, in an info box, that a run sleeps and until when; no red error box", async () => {
    expect((await runOf(ids.sleeper)).waitingFor).toMatchObject({
      kind: "sleep",
      until: new Date(NOW.getTime() + HOUR),
    });
    const { status, body } = await get(`/runs/${ids.sleeper}`);
    expect(status).toBe(200);
    expect(body).toContain('class="card wait" data-testid="run-wait" data-wait="sleep"');
    expect(body).toMatch(
      /Sleeping until <time datetime="2026-01-01T01:00:00.000Z">2026-01-01 01:00:00.000 UTC<\/time>/,
    );
    expect(body).toContain("(<time");
    expect(body).not.toContain('class="json error"');
    // Neither a parent nor children nor messages: the family card is absent, the lists say they are empty.
    expect(body).not.toContain("Parent and child runs");
    expect(body).toContain("No messages sent to this run");
    expect(body).toContain("No events set by this run");
    // An unfinished run can be sent a message: the form is there, confirmed by the page script.
    expect(body).toContain(`action="/actions/runs/${ids.sleeper}/messages"`);
    expect(body).toMatch(/<form class="send-message"[^>]*data-confirm="[^"]+"/);
  });

  it("shows a run paused by its code with its reason and resume time, neutral (the pause is stored as its error)", async () => {
    const run = await runOf(ids.pauser);
    expect(run.waitingFor).toMatchObject({ kind: "pause", until: new Date(NOW.getTime() + 2 * HOUR) });
    expect(run.error).toMatchObject({ message: "out of <b>stock</b>" });
    const { body } = await get(`/runs/${ids.pauser}`);
    expect(body).toContain('data-wait="pause"');
    expect(body).toContain(
      'Paused: out of &lt;b&gt;stock&lt;/b&gt; (resumes at <time datetime="2026-01-01T02:00:00.000Z">2026-01-01 02:00:00.000 UTC</time>',
    );
    expect(body).toContain("<h3>Pause reason</h3>");
    expect(body).not.toContain('class="json error"');
    expect(body).not.toContain("<b>stock</b>");
  });

  it("shows a parent waiting for its child with a link, its events and its child runs, escaped", async () => {
    expect(ids.child).toBeGreaterThan(0);
    const { body } = await get(`/runs/${ids.parent}`);
    expect(body).toContain('data-wait="child"');
    expect(body).toContain(
      `Waiting for child run <a href="/runs/${ids.child}" data-testid="wait-child">#${ids.child}</a>`,
    );
    expect(body).toContain('data-testid="child-runs"');
    expect(body).toContain(`<tr data-child="${ids.child}"><td><a href="/runs/${ids.child}">#${ids.child}</a></td>`);
    expect(body).toContain(`dash_child_${n}`);
    // The event: key and value escaped, never raw markup.
    expect(body).toContain(`<tr data-event="${esc(KEY)}"><td><code>${esc(KEY)}</code></td>`);
    expect(body).toContain(esc(JSON.stringify(EVENT_VALUE)));
    expect(body).not.toContain(KEY);
    expect(body).not.toContain("<b>bold</b>");
    expect(body).toContain('data-testid="run-event-count">1<');
    expect(body).not.toContain('class="json error"');
  });

  it("shows a child waiting for a message on its topic until its timeout, with a link to its parent", async () => {
    const run = await runOf(ids.child);
    expect(run.parentRunId).toBe(ids.parent);
    const { body } = await get(`/runs/${ids.child}`);
    expect(body).toContain('data-wait="message"');
    expect(body).toContain(
      `Waiting for message "${esc(TOPIC)}" (until <time datetime="2026-01-01T00:30:00.000Z">2026-01-01 00:30:00.000 UTC</time>`,
    );
    expect(body).toContain(
      `Started by parent run <a href="/runs/${ids.parent}" data-testid="parent-run">#${ids.parent}</a>`,
    );
    expect(body).toContain(`child of <a href="/runs/${ids.parent}">run #${ids.parent}</a>`);
    // The form offers the topic waited on (escaped in the attribute).
    expect(body).toContain(`name="topic" required maxlength="255" value="${esc(TOPIC)}"`);
    expect(body).not.toContain(TOPIC);
  });

  it("refuses bad JSON, an empty topic, an unknown run and a malformed id, writing nothing", async () => {
    const csrf = await csrfOf(base);
    const path = `/actions/runs/${ids.child}/messages`;
    const bad = await post(base, path, { topic: TOPIC, payload: "{approved: yes" }, { "x-pgqrs-csrf": csrf });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ ok: false, message: expect.stringContaining("not valid JSON") });
    expect(bad.body.message).toContain("nothing was sent");
    const empty = await post(base, path, { topic: "", payload: "{}" }, { "x-pgqrs-csrf": csrf });
    expect(empty.status).toBe(400);
    expect(empty.body.message).toContain("topic");
    const long = await post(base, path, { topic: "t".repeat(256), payload: "{}" }, { "x-pgqrs-csrf": csrf });
    expect(long.status).toBe(400);
    expect(
      (await post(base, "/actions/runs/424242/messages", { topic: "t", payload: "1" }, { "x-pgqrs-csrf": csrf }))
        .status,
    ).toBe(404);
    expect(
      (await post(base, "/actions/runs/abc/messages", { topic: "t", payload: "1" }, { "x-pgqrs-csrf": csrf })).status,
    ).toBe(400);
    // Without the page secret a loopback dashboard refuses the write too.
    expect((await post(base, path, { topic: TOPIC, payload: "{}" }, {})).status).toBe(403);
    expect(await pgqrs.admin(store).runMessages(ids.child)).toEqual([]);
    expect((await runOf(ids.child)).status).toBe("PAUSED");
  });

  it("beyond loopback with a token: refused without the token, the page secret or from another origin", async () => {
    const path = `/actions/runs/${ids.child}/messages`;
    const fields = { topic: TOPIC, payload: JSON.stringify(PAYLOAD) };
    expect((await post(guarded, path, fields, {})).status).toBe(401);
    expect((await post(guarded, path, fields, { authorization: "Bearer nope" })).status).toBe(401);
    expect((await post(guarded, path, fields, { cookie: "pgqrs_session=forged" })).status).toBe(401);
    // A signed-in browser session without the page secret, or from another origin.
    const { cookie, csrf } = await signIn(guarded);
    expect((await post(guarded, path, fields, { cookie })).status).toBe(403);
    expect((await post(guarded, path, fields, { cookie, "x-pgqrs-csrf": "stale" })).status).toBe(403);
    expect(
      (await post(guarded, path, fields, { cookie, "x-pgqrs-csrf": csrf, origin: "http://evil.example" })).status,
    ).toBe(403);
    expect(
      (await post(guarded, path, fields, { authorization: `Bearer ${TOKEN}`, "sec-fetch-site": "cross-site" })).status,
    ).toBe(403);
    expect(await pgqrs.admin(store).runMessages(ids.child)).toEqual([]);
    expect((await runOf(ids.child)).status).toBe("PAUSED");
  });

  it("sends a message: the waiting child receives it, both runs finish, the pages list it and the event", async () => {
    const login = await fetch(`${guarded}/login`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: TOKEN, next: "/" }).toString(),
    });
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    const csrf = await csrfOf(guarded, { cookie });
    const sent = await post(
      guarded,
      `/actions/runs/${ids.child}/messages`,
      { topic: TOPIC, payload: JSON.stringify(PAYLOAD) },
      { cookie, "x-pgqrs-csrf": csrf },
    );
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({ ok: true, message: expect.stringContaining(`sent to run ${ids.child}`) });
    await expect.poll(async () => (await runOf(ids.parent)).status, { timeout: 30_000 }).toBe("SUCCESS");
    expect((await runOf(ids.child)).output).toEqual({ got: PAYLOAD });
    const [message] = await pgqrs.admin(store).runMessages(ids.child);
    expect(message).toMatchObject({ topic: TOPIC, payload: PAYLOAD, senderRunId: null, consumedByStep: "approval" });

    const child = (await get(`/runs/${ids.child}`)).body;
    expect(child).not.toContain('data-testid="run-wait"');
    expect(child).toContain(`<tr data-run-message="${message?.id}">`);
    expect(child).toContain(`<code>${esc(TOPIC)}</code>`);
    // (PostgreSQL's jsonb orders keys its own way: look for each member.)
    expect(child).toContain(esc('"by":"<i>eve</i>"'));
    expect(child).toContain(esc('"approved":true'));
    expect(child).not.toContain("<i>eve</i>");
    expect(child).toContain("by step <code>approval</code>");
    expect(child).toContain('data-testid="run-message-count">1<');
    // A finished run offers no form.
    expect(child).not.toContain(`action="/actions/runs/${ids.child}/messages"`);
    const parent = (await get(`/runs/${ids.parent}`)).body;
    expect(parent).toContain('<tr data-event="done">');
    expect(parent).toContain('data-testid="run-event-count">2<');
  });

  it("refuses to send to a finished run with a clear message, writing nothing", async () => {
    const csrf = await csrfOf(base);
    const r = await post(
      base,
      `/actions/runs/${ids.child}/messages`,
      { topic: "late", payload: '"too late"' },
      { "x-pgqrs-csrf": csrf },
    );
    expect(r.status).toBe(409);
    expect(r.body).toMatchObject({
      ok: false,
      message: expect.stringMatching(/is success: a finished run takes no messages/),
    });
    expect((await pgqrs.admin(store).runMessages(ids.child)).map((m) => m.topic)).toEqual([TOPIC]);
  });
});

describe("run page: the wait sentences of kinds the engine does not record yet (retry, event)", () => {
  const paused = (waitingFor: RunRecord["waitingFor"]): RunRecord => ({
    id: 9,
    workflowId: 1,
    messageId: 9,
    status: "PAUSED",
    input: null,
    output: null,
    error: null,
    createdAt: NOW,
    updatedAt: NOW,
    startedAt: NOW,
    pausedAt: NOW,
    completedAt: null,
    workerId: null,
    attempts: 0,
    parentRunId: null,
    forkedFromRunId: null,
    waitingFor,
    version: null,
  });
  const until = new Date(NOW.getTime() + 90_000);

  it("says when a retry is scheduled, and what event a run waits for, escaped", () => {
    expect(waitBanner(paused({ kind: "retry", until }), NOW).text).toContain(
      'Retry scheduled at <time datetime="2026-01-01T00:01:30.000Z">2026-01-01 00:01:30.000 UTC</time>',
    );
    const event = waitBanner(paused({ kind: "event", name: "<x>", until }), NOW).text;
    expect(event).toContain('data-wait="event"');
    expect(event).toContain("Waiting for event <code>&lt;x&gt;</code> (until <time");
    expect(waitBanner(paused({ kind: "child" }), NOW).text).toContain("Waiting for a child run");
    // No wait recorded at all: still "Paused", never an error.
    expect(waitBanner(paused(null), NOW).text).toMatch(/<div>Paused<\/div>/);
    // Only PAUSED runs have a banner.
    expect(waitBanner({ ...paused({ kind: "sleep", until }), status: "RUNNING" }, NOW).text).toBe("");
  });
});
