/**
 * The run a handed-off trigger starts (`enqueueAndStartRun`, PostgreSQL only) is built from the statement's five
 * columns and what it wrote: it must be exactly the run a re-read returns, for versioned and unversioned triggers.
 */
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { openTestStore } from "../support/stores.js";

describe("a handed-off trigger's run on postgres", () => {
  it("is the run the database holds, field for field", async () => {
    const { store } = await openTestStore("postgres");
    const def = pgqrs.defineWorkflow({ name: "handoff_record" }, async () => 1);
    await pgqrs.workflow().name(def).create(store);
    const queue = await store.tables().queues().getByName("handoff_record");
    expect(queue).not.toBeNull();
    const consumer = await store.consumer("handoff_record");
    const backend = store.context.backend;
    const start = backend.enqueueAndStartRun;
    expect(start).toBeDefined();
    const now = new Date("2026-01-01T00:00:00.123Z");
    // Each payload with the version its run must carry: `payload ->> 'version'`, text whatever JSON type it was.
    const payloads: [string, string | null][] = [
      [JSON.stringify({ input: { b: 1, a: [1, "x", null] } }), null],
      [JSON.stringify({ input: 7, version: "v2" }), "v2"],
      [JSON.stringify({ input: null, version: 3 }), "3"],
    ];
    for (const [payload, version] of payloads) {
      const started = await start?.call(backend, {
        queueId: queue?.id as number,
        payloads: [payload],
        producerWorkerId: consumer.id,
        enqueuedAt: now,
        visibleAt: now,
        leaseTo: { workerId: consumer.id, now, leaseEnd: new Date(now.getTime() + 30_000), maxReadCt: 5 },
      });
      expect(started?.run).not.toBeNull();
      const reread = await backend.getRunByMessageId(started?.message.id as number);
      expect(started?.run).toEqual(reread);
      expect(started?.run?.status).toBe("RUNNING");
      expect(started?.run?.workerId).toBe(consumer.id);
      expect(started?.run?.version).toBe(version);
      // Leased (its visibility is the lease's end), so the next insert finds no claimable backlog and is leased too.
      expect(started?.message.consumerWorkerId).toBe(consumer.id);
    }
  });
});
