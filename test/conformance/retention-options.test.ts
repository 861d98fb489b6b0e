/**
 * The `retention` option (issue 18) where queues and workflows are made: `createQueue(name, { retention })`,
 * `store.queue`, `updateQueue(name, { retention })` (`null`: the defaults again) and `defineWorkflow({ retention })`
 * applied by `pgqrs.workflow(def).create(store)`. Bad values are VALIDATION_FAILED naming the field, nothing written.
 */
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { errorCode, openTestStore } from "../support/stores.js";

const DAY = 86_400_000;
let counter = 0;
const unique = (prefix: string) => `${prefix}_${++counter}_${Math.random().toString(36).slice(2, 7)}`;

describe.each(EVERY_BACKEND)("retention options on %s", (backend) => {
  it("createQueue and store.queue take retention; an existing queue (ifNotExists) keeps its own", async () => {
    const t = await openTestStore(backend);
    const admin = pgqrs.admin(t.store);
    const q = unique("ret_opt");
    await admin.createQueue(q, { retention: { archived: "1d" }, concurrencyLimit: 2 });
    expect(await admin.getRetention(q)).toMatchObject({ archivedMs: DAY, deadLettersMs: 30 * DAY, isDefault: false });
    expect((await admin.getQueue(q)).concurrencyLimit).toBe(2);
    await t.store.queue(q, { ifNotExists: true, retention: false });
    expect((await admin.getRetention(q)).archivedMs).toBe(DAY);
    const forever = unique("ret_forever");
    await t.store.queue(forever, { retention: false });
    expect(await admin.getRetention(forever)).toMatchObject({
      archivedMs: false,
      deadLettersMs: false,
      finishedRunsMs: false,
    });
  });

  it("updateQueue sets, merges and (null) resets retention, with or without other settings", async () => {
    const t = await openTestStore(backend);
    const admin = pgqrs.admin(t.store);
    const q = unique("ret_upd");
    await admin.createQueue(q);
    await admin.updateQueue(q, { retention: { deadLetters: "2d" } });
    expect(await admin.getRetention(q)).toMatchObject({ archivedMs: 7 * DAY, deadLettersMs: 2 * DAY });
    const updated = await admin.updateQueue(q, { rateLimit: { max: 5, perSeconds: 1 }, retention: { archived: "3h" } });
    expect(updated.rateLimit).toEqual({ max: 5, perSeconds: 1 });
    expect(await admin.getRetention(q)).toMatchObject({ archivedMs: 3 * 3_600_000, deadLettersMs: 2 * DAY });
    await admin.updateQueue(q, { retention: null });
    expect((await admin.getRetention(q)).isDefault).toBe(true);
  });

  it("a bad retention option is VALIDATION_FAILED naming the field and writes nothing", async () => {
    const t = await openTestStore(backend);
    const admin = pgqrs.admin(t.store);
    const q = unique("ret_bad_opt");
    const err = await admin.createQueue(q, { retention: { archived: "7 days" } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(pgqrs.PgqrsError);
    expect((err as pgqrs.PgqrsError).code).toBe("VALIDATION_FAILED");
    expect((err as Error).message).toContain("retention.archived");
    expect(await errorCode(() => admin.getQueue(q))).toBe("QUEUE_NOT_FOUND");
    expect(await errorCode(() => admin.createQueue(q, { retention: "7d" as never }))).toBe("VALIDATION_FAILED");
    expect(await errorCode(() => admin.createQueue(q, { retention: { kept: "1d" } as never }))).toBe(
      "VALIDATION_FAILED",
    );
    expect(await errorCode(() => admin.getQueue(q))).toBe("QUEUE_NOT_FOUND");
    await admin.createQueue(q, { retention: { archived: "1d" } });
    expect(await errorCode(() => admin.updateQueue(q, { concurrencyLimit: 3, retention: { finishedRuns: -1 } }))).toBe(
      "VALIDATION_FAILED",
    );
    expect((await admin.getQueue(q)).concurrencyLimit).toBeNull();
    expect((await admin.getRetention(q)).archivedMs).toBe(DAY);
  });

  it("defineWorkflow({ retention }) sets the workflow's retention when it is created; a bad one fails at define", async () => {
    const t = await openTestStore(backend);
    const name = unique("ret_wf");
    const def = pgqrs.defineWorkflow({ name, retention: { finishedRuns: "2d" } }, async () => 1);
    await pgqrs.workflow(def).create(t.store);
    expect(await pgqrs.admin(t.store).getRetention(name)).toMatchObject({
      finishedRunsMs: 2 * DAY,
      archivedMs: 7 * DAY,
    });
    expect(() => pgqrs.defineWorkflow({ name, retention: { finishedRuns: "soon" } }, async () => 1)).toThrow(
      /retention\.finishedRuns/,
    );
  });

  it("runRetention stops before the next batch once its signal is aborted", async () => {
    const t = await openTestStore(backend);
    const admin = pgqrs.admin(t.store);
    const q = unique("ret_signal");
    await admin.createQueue(q);
    const producer = await t.store.producer(q);
    const consumer = await t.store.consumer(q);
    await producer.enqueueBatch(Array.from({ length: 12 }, (_, i) => ({ i })));
    const got = await consumer.dequeueMany(12, 3600);
    await consumer.archiveMany(got.map((m) => m.id));
    t.clock.advance(8 * DAY);
    const aborted = new AbortController();
    aborted.abort();
    expect(await admin.runRetention({ queue: q, signal: aborted.signal })).toMatchObject({
      messages: 0,
      batches: 0,
      caughtUp: false,
    });
    const stop = new AbortController();
    // The dead-letter kind runs first (one empty batch), then archived batches of 5: abort after the first of them.
    const r = await admin.runRetention({
      queue: q,
      batchSize: 5,
      signal: stop.signal,
      onProgress: (p) => {
        if (p.messages > 0) stop.abort();
      },
    });
    expect(r).toMatchObject({ messages: 5, caughtUp: false });
    expect((await admin.runRetention({ queue: q })).messages).toBe(7);
  });
});
