import { beforeAll, describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { expectRefused } from "../support/row-snapshot.js";
import { openTestStore } from "../support/stores.js";

// Issue 14 item 8 (review L3, L7): ids are safe positive integers, counts and pages are bounded integers, and
// enumerated options are checked against their own names only; the same VALIDATION_FAILED on both backends, with
// nothing written (PostgreSQL used to fail with QUERY_FAILED and SQLite to answer false, or ids above 2^53 were
// rounded to a neighbour's id).

const BAD_IDS: unknown[] = [2 ** 63, 2 ** 53 + 1, Number.NaN, 1.5, "1 OR 1=1", 0, -1, Number.POSITIVE_INFINITY];

describe.each(EVERY_BACKEND)("ids, counts and options on %s", (backend) => {
  let store: pgqrs.Store;
  let admin: pgqrs.Admin;
  let producer: pgqrs.Producer;
  let consumer: pgqrs.Consumer;
  let held: pgqrs.QueueMessage;

  beforeAll(async () => {
    ({ store } = await openTestStore(backend));
    admin = pgqrs.admin(store);
    await admin.createQueue("q");
    producer = await store.producer("q");
    consumer = await store.consumer("q");
    await producer.enqueue({ n: 1 });
    await producer.enqueue({ n: 2 });
    [held] = (await consumer.dequeue()) as [pgqrs.QueueMessage];
    await store.createWorkflow("wf");
  });

  it("consumer operations refuse ids that are not safe positive integers", async () => {
    for (const raw of BAD_IDS) {
      const id = raw as number;
      await expectRefused(store, "id", () => consumer.archive(id));
      await expectRefused(store, "id", () => consumer.delete(id));
      await expectRefused(store, "id", () => consumer.extendVt(id, 10));
      await expectRefused(store, "id", () => consumer.releaseWithVisibility(id, new Date("2026-01-01T00:00:00Z")));
      await expectRefused(store, "ids[1]", () => consumer.archiveMany([held.id, id]));
      await expectRefused(store, "ids[1]", () => consumer.deleteMany([held.id, id]));
      await expectRefused(store, "ids[0]", () => consumer.releaseMessages([id]));
      await expectRefused(store, "ids[0]", () => consumer.extendVtMany([id], 10));
      await expectRefused(store, "ids[0]", () => consumer.archiveAndDequeue([id]));
    }
    await expectRefused(store, "ids", () => consumer.archiveMany("1" as unknown as number[]));
  });

  it("admin, producer, table and workflow reads refuse bad ids the same way", async () => {
    const [w] = await admin.listWorkers({ limit: 1 });
    for (const raw of BAD_IDS) {
      const id = raw as number;
      await expectRefused(store, "id", () => admin.getMessage(id));
      await expectRefused(store, "id", () => admin.archiveMessage(id));
      await expectRefused(store, "ids[0]", () => admin.deleteMessages([id]));
      await expectRefused(store, "id", () => admin.getWorker(id));
      await expectRefused(store, "id", () => admin.deleteWorker(id));
      await expectRefused(store, "id", () => admin.getWorkerMessages(id));
      await expectRefused(store, "id", () => admin.releaseWorkerMessages(id));
      await expectRefused(store, "id", () => admin.transitionWorker(id, "suspend"));
      await expectRefused(store, "id", () => admin.replayDlq("q", id));
      // A string names a queue here (QUEUE_NOT_FOUND); a number must be a queue id.
      if (typeof raw === "number") await expectRefused(store, "queue", () => admin.reclaimMessages(id));
      await expectRefused(store, "id", () => producer.getMessageById(id));
      await expectRefused(store, "id", () => producer.replayDlq(id));
      await expectRefused(store, "id", () => store.tables().messages().get(id));
      await expectRefused(store, "ids[0]", () => store.tables().messages().getByIds([id]));
      await expectRefused(store, "queueId", () => store.tables().messages().list({ queueId: id }));
      await expectRefused(store, "queueId", () => store.tables().messages().filterByQueue(id));
      await expectRefused(store, "id", () => store.tables().queues().get(id));
      await expectRefused(store, "id", () => store.tables().workers().get(id));
      await expectRefused(store, "id", () => store.tables().workflowRuns().get(id));
      await expectRefused(store, "messageId", () => store.tables().workflowRuns().getByMessageId(id));
      await expectRefused(store, "runId", () => store.tables().workflowSteps().listForRun(id));
      await expectRefused(store, "messageId", () => pgqrs.workflow("wf").getRun(id, store));
      await expectRefused(store, "messageId", () => pgqrs.workflow("wf").cancel(id, store));
      await expectRefused(store, "runId", () => pgqrs.workflow("wf").steps(id, store));
    }
    // 2^53 + 1 is not looked up as 2^53 (its rounded neighbour): it is refused before any lookup.
    const err = await expectRefused(store, "id", () => admin.getMessage(2 ** 53 + 1));
    expect(err.message).toContain("9007199254740991");
    expect(w).toBeDefined();
  });

  it("worker operations and message states are looked up as own names only", async () => {
    const [w] = await admin.listWorkers({ limit: 1 });
    for (const op of ["drop", "toString", "constructor", "__proto__", "hasOwnProperty"]) {
      await expectRefused(store, "op", () => admin.transitionWorker(w!.id, op as "suspend"));
    }
    for (const state of ["toString", "constructor", "valueOf", "ALL"]) {
      await expectRefused(store, "state", () =>
        store
          .tables()
          .messages()
          .list({ state: state as "all" }),
      );
      await expectRefused(store, "state", () =>
        store
          .tables()
          .messages()
          .count({ state: state as "all" }),
      );
    }
    await expectRefused(store, "status", () =>
      store
        .tables()
        .workers()
        .list({ status: "toString" as "ready" }),
    );
    await expectRefused(store, "status", () =>
      store
        .tables()
        .workflowRuns()
        .list({ status: "valueOf" as "QUEUED" }),
    );
    await expectRefused(store, "status", () => pgqrs.workflow("wf").runs(store, { status: "nope" as "QUEUED" }));
  });

  it("page sizes and offsets are integers in range: limit 0 … 100,000, offset >= 0", async () => {
    for (const limit of [-1, 1.5, Number.NaN, 100_001, 2 ** 63]) {
      await expectRefused(store, "limit", () => admin.listWorkers({ limit }));
      await expectRefused(store, "limit", () => admin.listDlq("q", { limit }));
      await expectRefused(store, "limit", () => store.tables().messages().list({ limit }));
      await expectRefused(store, "limit", () => store.tables().workers().list({ limit }));
      await expectRefused(store, "limit", () => store.tables().workflowRuns().list({ limit }));
      await expectRefused(store, "limit", () => pgqrs.workflow("wf").runs(store, { limit }));
    }
    await expectRefused(store, "offset", () => admin.listWorkers({ offset: -1 }));
    await expectRefused(store, "offset", () => store.tables().messages().list({ offset: 0.5 }));
    expect(await admin.listWorkers({ limit: 0 })).toEqual([]);
  });

  it("a claim takes at most 10,000 messages: batchSize, batch and concurrency × batch + prefetch", async () => {
    for (const batchSize of [10_001, 2 ** 63, -1, 1.5, Number.NaN]) {
      await expectRefused(store, "batchSize", () => consumer.dequeue({ batchSize }));
      await expectRefused(store, "batchSize", () => consumer.dequeueMany(batchSize));
      await expectRefused(store, "batch", () => pgqrs.dequeue().from("q").batch(batchSize).fetchAll(store));
    }
    const handler = () => undefined;
    await expectRefused(store, "concurrency", () =>
      pgqrs.dequeue().from("q").batch(100).concurrency(101).handleBatch(handler).execute(store),
    );
    await expectRefused(store, "concurrency", () =>
      pgqrs.dequeue().from("q").concurrency(0).handle(handler).execute(store),
    );
    await expectRefused(store, "prefetch", () =>
      pgqrs.dequeue().from("q").prefetch(10_001).handle(handler).execute(store),
    );
    const def = pgqrs.defineWorkflow({ name: "wf" }, async () => null);
    await expectRefused(store, "concurrency", () =>
      pgqrs.workflow().name(def).consumer(consumer).concurrency(10_001).poll(store),
    );
    await expectRefused(store, "concurrency", () =>
      pgqrs.consumer("w", "wf").handler(def, { concurrency: 10_001 }).create(store),
    );
    expect(await consumer.dequeue({ batchSize: 10_000, vtSeconds: 0 })).toHaveLength(1);
  });
});
