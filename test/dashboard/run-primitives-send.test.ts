/**
 * The "send message" action of the run page (issue 15), over HTTP, on each backend, to runs of real workflows paused
 * by a real worker (a child waiting for a message): the action is guarded like the others (token beyond loopback,
 * page secret, same origin), refuses bad JSON, an empty topic and a finished run with nothing written, and a good
 * send wakes the run that waits for it. The run page's waits: run-primitives-waits.test.ts; the setup:
 * test/dashboard/run-primitives-page.ts.
 */
import { beforeAll, describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import type { Store } from "../../src/index.js";
import { BACKENDS } from "../support/backends.js";
import { esc, PAYLOAD, runPrimitivesPage, TOPIC } from "./run-primitives-page.js";
import { TOKEN } from "./harness.js";
import { csrfOf, signIn } from "./post-action.js";

describe.each(BACKENDS)("run page: waits, messages, events, children and sending (%s)", (backend) => {
  const page = runPrimitivesPage(backend);
  const { ids, runOf, get, post } = page;
  let store: Store;
  let base = "";
  let guarded = "";

  beforeAll(() => {
    ({ store, base, guarded } = page);
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
