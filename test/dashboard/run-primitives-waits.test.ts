/**
 * The run page for the durable workflow primitives (issue 15), over HTTP, on each backend: real workflows run by a
 * real worker until they pause (asleep, waiting for a child, waiting for a message), then the rendered HTML is
 * checked: the wait in words in an info box (never the red error box), links between parent and child, events,
 * everything user-controlled escaped; and the wait sentences of kinds the engine does not record yet. The "send
 * message" action: run-primitives-send.test.ts; the setup: test/dashboard/run-primitives-page.ts.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { waitBanner } from "../../src/dashboard/pages/run-primitives-view.js";
import type { RunRecord } from "../../src/index.js";
import { BACKENDS } from "../support/backends.js";
import { EVENT_VALUE, esc, HOUR, KEY, NOW, runPrimitivesPage, TOPIC } from "./run-primitives-page.js";

describe.each(BACKENDS)("run page: waits, messages, events, children and sending (%s)", (backend) => {
  const page = runPrimitivesPage(backend);
  const { ids, runOf, get } = page;
  let n = 0;

  beforeAll(() => {
    ({ n } = page);
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
