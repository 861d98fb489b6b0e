/**
 * The queue page's queue-wide actions over HTTP, on each backend: enqueue a message from JSON text (with a delay),
 * purge the queue, replay its dead letters in bulk (bounded per request, dedup conflicts skipped), and the consumer
 * column naming the worker. Refusals (text that is not JSON, a payload the validation settings refuse, a bad delay,
 * an unknown queue, a malformed id) answer with the PgqrsError code and write nothing, not even a producer row; the
 * guard (page secret, same origin, token beyond loopback) refuses these writes as it refuses every action.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_BULK_REPLAY, PURGE_EFFECT } from "../../src/dashboard/queue-actions.js";
import * as pgqrs from "../../src/index.js";
import type { ManualClock, QueueRecord, Store } from "../../src/index.js";
import { BACKENDS } from "../support/backends.js";
import { openTestStore } from "../support/stores.js";
import { TOKEN } from "./harness.js";
import { type ActionReply, csrfOf, postAction, startDashboardPair } from "./post-action.js";

describe.each(BACKENDS)("queue page: enqueue, purge, bulk replay (%s)", (backend) => {
  let store: Store;
  let clock: ManualClock;
  let base = "";
  let guarded = "";
  const closers: (() => Promise<unknown>)[] = [];
  let jobs: QueueRecord;
  let other: QueueRecord;

  const admin = () => pgqrs.admin(store);
  const messages = () => store.tables().messages();
  const post = postAction;
  const act = async (path: string, fields: Record<string, string> = {}): Promise<ActionReply> =>
    post(base, path, { "x-pgqrs-csrf": await csrfOf(base) }, fields);
  /** What a refusal must leave unchanged: every message of the store and every worker row. */
  const snapshot = async () => ({
    messages: (await messages().list({ state: "all", limit: 10_000 })).map((m) => [m.id, m.archivedAt, m.readCt]),
    workers: await store.tables().workers().count(),
  });
  /** Enqueue `n` messages on `queue` and dead-letter them (one delivery each, the queue allows one attempt). */
  const deadLetters = async (queue: QueueRecord, n: number, dedupKey?: string): Promise<number[]> => {
    const producer = await store.producer(queue.queueName, `dead-producer-${n}-${dedupKey ?? ""}`);
    if (dedupKey === undefined) await producer.enqueueBatch(Array.from({ length: n }, (_, i) => ({ i })));
    else await producer.enqueue({ keyed: true }, { dedupKey });
    const consumer = await store.consumer(queue.queueName, `dead-consumer-${n}-${dedupKey ?? ""}`);
    await consumer.dequeue({ batchSize: n, vtSeconds: 1 });
    clock.advance(2_000);
    return admin().dlq(queue);
  };

  beforeAll(async () => {
    ({ store, clock } = await openTestStore(backend));
    jobs = await admin().createQueue(`dash_jobs_${backend}`, { retry: { maxAttempts: 1 } });
    other = await admin().createQueue(`dash_other_${backend}`);
    await (await store.producer(other.queueName, "other-producer")).enqueue({ keep: true });
    const dashboards = await startDashboardPair(store);
    closers.push(dashboards.close);
    ({ base, guarded } = dashboards);
  }, 60_000);

  afterAll(async () => {
    for (const close of closers) await close().catch(() => undefined);
  });

  it("shows the enqueue form and the purge button, which says what it deletes", async () => {
    const body = await (await fetch(`${base}/queues/${jobs.id}`)).text();
    expect(body).toMatch(
      new RegExp(`<form class="send-message enqueue" method="post" action="/actions/queues/${jobs.id}/enqueue"`),
    );
    expect(body).toContain('<textarea name="payload"');
    expect(body).toContain('name="delay"');
    expect(body).toMatch(
      new RegExp(`action="/actions/queues/${jobs.id}/purge" data-title="Purge ${jobs.queueName}\\?"`),
    );
    expect(body).toContain(`data-confirm="${PURGE_EFFECT}"`);
    // No dead letters yet: no bulk replay button.
    expect(body).not.toContain("/dead-letters/replay");
  });

  it("enqueues a message from JSON text, visible now or after the delay", async () => {
    const before = (await admin().queueMetrics(jobs)).pendingMessages;
    const now = await act(`/actions/queues/${jobs.id}/enqueue`, { payload: '{"order": 42, "items": ["a"]}' });
    expect(now.status).toBe(200);
    expect(now.body.message).toMatch(new RegExp(`^Message (\\d+) enqueued on ${jobs.queueName} \\(visible now\\)$`));
    const id = Number(/Message (\d+)/.exec(now.body.message ?? "")?.[1]);
    const m = await messages().get(id);
    expect(m?.payload).toEqual({ order: 42, items: ["a"] });
    expect(m?.queueId).toBe(jobs.id);
    expect((await admin().queueMetrics(jobs)).pendingMessages).toBe(before + 1);

    const later = await act(`/actions/queues/${jobs.id}/enqueue`, { payload: '"plain text"', delay: "30" });
    expect(later.body.message).toContain("(visible in 30 s)");
    const delayed = await messages().get(Number(/Message (\d+)/.exec(later.body.message ?? "")?.[1]));
    expect(delayed?.payload).toBe("plain text");
    expect(delayed?.vt.getTime()).toBe(clock.now().getTime() + 30_000);
    expect((await admin().queueMetrics(jobs)).delayedMessages).toBe(1);
    // The page shows the new counts.
    const page = await (await fetch(`${base}/queues/${jobs.id}`)).text();
    expect(/data-testid="pending">([\d,]+)</.exec(page)?.[1]).toBe(String(before + 1));
  });

  it("refuses text that is not JSON, a payload the validation refuses, a bad delay, writing nothing", async () => {
    const before = await snapshot();
    // A queue the dashboard has not enqueued on yet: a refusal must not even register its producer there.
    const path = `/actions/queues/${other.id}/enqueue`;
    const cases: [Record<string, string>, RegExp][] = [
      [{ payload: "{oops" }, /^VALIDATION_FAILED: The payload is not valid JSON \(.+\); nothing was enqueued$/],
      [{ payload: "  " }, /^VALIDATION_FAILED: The payload is empty/],
      [{ payload: '{"constructor": {"x": 1}}' }, /^VALIDATION_FAILED: .*constructor.*; nothing was enqueued$/],
      [{ payload: "{}", delay: "soon" }, /^VALIDATION_FAILED: The delay must be a number of seconds/],
      [{ payload: "{}", delay: "-5" }, /^VALIDATION_FAILED: .*delay.*; nothing was enqueued$/],
    ];
    for (const [fields, message] of cases) {
      const reply = await act(path, fields);
      expect(reply.status, JSON.stringify(fields)).toBe(400);
      expect(reply.body.ok).toBe(false);
      expect(reply.body.code).toBe("VALIDATION_FAILED");
      expect(reply.body.message).toMatch(message);
    }
    const unknown = await act("/actions/queues/424242/enqueue", { payload: "{}" });
    expect([unknown.status, unknown.body.code]).toEqual([404, "QUEUE_NOT_FOUND"]);
    expect((await act("/actions/queues/abc/enqueue", { payload: "{}" })).status).toBe(400);
    expect((await act("/actions/queues/0/purge")).status).toBe(400);
    expect((await act("/actions/queues/424242/purge")).status).toBe(404);
    expect((await act("/actions/queues/424242/dead-letters/replay")).status).toBe(404);
    // A GET is never a write.
    expect((await fetch(`${base}/actions/queues/${jobs.id}/purge`)).status).toBe(404);
    expect(await snapshot()).toEqual(before);
  });

  it("refuses these writes without the page secret, from another origin, or beyond loopback without the token", async () => {
    const before = await snapshot();
    const onJobs = await messages().count({ queueId: jobs.id, state: "all" });
    const enq = `/actions/queues/${jobs.id}/enqueue`;
    const purge = `/actions/queues/${jobs.id}/purge`;
    const replay = `/actions/queues/${jobs.id}/dead-letters/replay`;
    const csrf = await csrfOf(base);
    for (const path of [enq, purge, replay]) {
      expect((await post(base, path, {}, { payload: "{}" })).status, path).toBe(403);
      expect((await post(base, path, { "x-pgqrs-csrf": "stale" }, { payload: "{}" })).status, path).toBe(403);
      const cross = await post(base, path, { "x-pgqrs-csrf": csrf, origin: "http://evil.example" }, { payload: "{}" });
      expect(cross.status, path).toBe(403);
      const site = await post(base, path, { "x-pgqrs-csrf": csrf, "sec-fetch-site": "cross-site" }, { payload: "{}" });
      expect(site.status, path).toBe(403);
      expect((await post(guarded, path, {}, { payload: "{}" })).status, path).toBe(401);
      expect((await post(guarded, path, { authorization: "Bearer nope" }, { payload: "{}" })).status, path).toBe(401);
      const bearerCross = await post(guarded, path, {
        authorization: `Bearer ${TOKEN}`,
        origin: "http://evil.example",
      });
      expect(bearerCross.status, path).toBe(403);
    }
    expect(await snapshot()).toEqual(before);
    // With the token (a script) the same write goes through.
    const ok = await post(guarded, enq, { authorization: `Bearer ${TOKEN}` }, { payload: '{"via": "bearer"}' });
    expect(ok.status).toBe(200);
    expect(await messages().count({ queueId: jobs.id, state: "all" })).toBe(onJobs + 1);
  });

  it("replays every dead letter in bulk, skipping one whose dedup key an active message holds", async () => {
    const queue = await admin().createQueue(`dash_dead_${backend}`, { retry: { maxAttempts: 1 } });
    const dead = await deadLetters(queue, 3);
    const [keyed] = await deadLetters(queue, 1, "once");
    await (await store.producer(queue.queueName, "holder")).enqueue({ holder: true }, { dedupKey: "once" });
    expect(await messages().count({ queueId: queue.id, state: "dead" })).toBe(4);
    const body = await (await fetch(`${base}/queues/${queue.id}`)).text();
    expect(body).toContain(`action="/actions/queues/${queue.id}/dead-letters/replay"`);
    expect(body).toContain("Replay 4 dead letters");

    const reply = await act(`/actions/queues/${queue.id}/dead-letters/replay`);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      ok: true,
      count: 3,
      message: `Replayed 3 dead letters of ${queue.queueName}; 1 skipped: an active message holds their dedup key; 1 dead letter left`,
    });
    for (const id of dead) {
      const m = await messages().get(id);
      expect([m?.archivedAt, m?.deadLetteredAt, m?.readCt]).toEqual([null, null, 0]);
    }
    expect((await messages().get(keyed ?? 0))?.deadLetteredAt).not.toBeNull();
    // The other queue's messages are untouched.
    expect(await messages().count({ queueId: other.id, state: "active" })).toBe(1);
  });

  it(`replays at most ${MAX_BULK_REPLAY} dead letters per request and says how many are left`, async () => {
    const queue = await admin().createQueue(`dash_many_${backend}`, { retry: { maxAttempts: 1 } });
    await deadLetters(queue, MAX_BULK_REPLAY + 5);
    const first = await act(`/actions/queues/${queue.id}/dead-letters/replay`);
    expect(first.body.count).toBe(MAX_BULK_REPLAY);
    expect(first.body.message).toMatch(/; 5 dead letters left$/);
    expect(await messages().count({ queueId: queue.id, state: "dead" })).toBe(5);
    const second = await act(`/actions/queues/${queue.id}/dead-letters/replay`);
    expect(second.body).toEqual({ ok: true, count: 5, message: `Replayed 5 dead letters of ${queue.queueName}` });
    expect(await messages().count({ queueId: queue.id, state: "dead" })).toBe(0);
  }, 120_000);

  it("names each message's consumer by its worker name, linked to its row on the workers page", async () => {
    const consumer = await store.consumer(jobs.queueName, "billing-host-7");
    const [held] = await consumer.dequeue({ batchSize: 1, vtSeconds: 600 });
    const body = await (await fetch(`${base}/queues/${jobs.id}?state=all`)).text();
    const row = /<tr data-message="\d+">.*?<\/tr>/gs.exec(body.slice(body.indexOf(`<tr data-message="${held?.id}"`)));
    expect(row?.[0]).toMatch(
      new RegExp(
        `data-testid="consumer"><a class="mono" href="/workers\\?all=1#worker-${consumer.id}" title="billing-host-7">billing-host-7</a>\\s*<span class="muted mono">#${consumer.id}</span>`,
      ),
    );
    const workers = await (await fetch(`${base}/workers?all=1`)).text();
    expect(workers).toContain(`<tr id="worker-${consumer.id}" data-worker="${consumer.id}"`);
  });

  it("shows a message's reported progress, cut in the cell and whole (escaped) in the tooltip", async () => {
    const consumer = await store.consumer(jobs.queueName, "progress-host");
    const [held] = await consumer.dequeue({ batchSize: 1, vtSeconds: 600 });
    const progress = { done: 40, of: 100, note: "<b>resizing</b> images in the background batch" };
    expect(await consumer.updateProgress(held?.id ?? 0, progress)).toBe(true);
    const body = await (await fetch(`${base}/queues/${jobs.id}?state=all`)).text();
    const row = /<tr data-message="\d+">.*?<\/tr>/gs.exec(body.slice(body.indexOf(`<tr data-message="${held?.id}"`)));
    const cell = /<td class="mono" data-testid="progress" title="([^"]*)">([^<]*)<\/td>/.exec(row?.[0] ?? "");
    // As stored (PostgreSQL's jsonb orders an object's keys its own way), escaped by the page.
    const text = JSON.stringify((await messages().get(held?.id ?? 0))?.progress);
    expect(JSON.parse(text)).toEqual(progress);
    const escaped = (t: string) =>
      t.replaceAll("&", "&amp;").replaceAll('"', "&quot;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
    expect(cell?.[1]).toBe(escaped(text));
    expect(cell?.[2]).toBe(escaped(`${text.slice(0, 39)}…`));
    expect(body).not.toContain("<b>resizing</b>");
  });

  it("purges the queue: every message, their runs and its workers; the queue and the other queues stay", async () => {
    expect(await messages().count({ queueId: jobs.id, state: "all" })).toBeGreaterThan(0);
    expect(await store.tables().workers().count({ queueId: jobs.id })).toBeGreaterThan(0);
    const otherBefore = await messages().count({ queueId: other.id, state: "all" });
    const reply = await act(`/actions/queues/${jobs.id}/purge`);
    expect(reply).toEqual({
      status: 200,
      body: {
        ok: true,
        message: `Purged ${jobs.queueName}: its messages, their workflow runs and its workers are deleted`,
      },
    });
    expect(await messages().count({ queueId: jobs.id, state: "all" })).toBe(0);
    expect(await store.tables().workers().count({ queueId: jobs.id })).toBe(0);
    expect((await admin().getQueue(jobs.queueName)).retry).toEqual({ maxAttempts: 1 });
    expect(await messages().count({ queueId: other.id, state: "all" })).toBe(otherBefore);
    // The dashboard's own producer was forgotten with its row: the next enqueue registers a new one.
    expect((await act(`/actions/queues/${jobs.id}/enqueue`, { payload: "{}" })).status).toBe(200);
    expect(await messages().count({ queueId: jobs.id, state: "all" })).toBe(1);
  });
});
