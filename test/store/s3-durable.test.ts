/**
 * The S3 backend in durable mode, against a real S3-protocol server on loopback (fauxqs behind the harness's
 * conditional-write proxy): queue and workflow round trips, every write published before its call resolves, a
 * restart from an empty cache dir reading the object back, and two writers racing on one key without losing an
 * acknowledged write.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pgqrs from "../../src/default-export.js";
import { isPgqrsError } from "../../src/errors.js";
import { freshCacheDir, type S3TestServer, startS3TestServer } from "../support/s3-server.js";
import { openS3Store } from "../support/s3-stores.js";

let s3: S3TestServer;
beforeAll(async () => {
  s3 = await startS3TestServer();
});
afterAll(async () => {
  await s3?.stop();
});

describe("S3 durable mode", () => {
  it("creates the object on install and publishes every write before the call resolves", async () => {
    const dsn = s3.freshDsn();
    const store = await openS3Store({ dsn });
    try {
      expect(store.backendName()).toBe("s3");
      expect(await s3.etagOf(dsn)).toBeNull();
      await pgqrs.admin(store).install();
      const afterInstall = await s3.etagOf(dsn);
      expect(afterInstall).not.toBeNull();
      await store.queue("emails");
      const producer = await store.producer("emails");
      const sent = await producer.enqueue({ to: "a@example.com" });
      const afterEnqueue = await s3.etagOf(dsn);
      expect(afterEnqueue).not.toBe(afterInstall);
      expect(await pgqrs.asS3(store).state()).toMatchObject({ state: "InSync", localDirty: false });

      // Reads and empty claims change nothing: no PUT.
      const puts = s3.counts.PUT ?? 0;
      await store.getQueue("emails");
      expect(s3.counts.PUT ?? 0).toBe(puts);

      // A second store with an empty cache reads what the first one acknowledged.
      const reader = await openS3Store({ dsn, cacheDir: freshCacheDir() });
      try {
        const msg = await reader.context.backend.getMessage(sent.id);
        expect(msg?.payload).toEqual({ to: "a@example.com" });
      } finally {
        await reader.close();
      }
    } finally {
      await store.close();
    }
  });

  it("round-trips a queue: enqueue, dequeue, archive, each published", async () => {
    const dsn = s3.freshDsn("queue");
    const store = await openS3Store({ dsn });
    try {
      await pgqrs.asS3(store).bootstrap();
      await store.queue("jobs");
      const producer = await store.producer("jobs");
      await producer.enqueueBatch([{ n: 1 }, { n: 2 }, { n: 3 }]);
      const consumer = await store.consumer("jobs", { name: "w1" });
      const got = await consumer.dequeue({ batchSize: 10 });
      expect(got.map((m) => m.payload)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
      const beforeArchive = await s3.etagOf(dsn);
      expect(await consumer.archiveMany(got.map((m) => m.id))).toEqual([true, true, true]);
      expect(await s3.etagOf(dsn)).not.toBe(beforeArchive);
      expect(await consumer.dequeue({ batchSize: 10 })).toEqual([]);
    } finally {
      await store.close();
    }
    // A restart with an empty cache dir resumes from the object: the queue is there, and empty.
    const restarted = await openS3Store({ dsn, cacheDir: freshCacheDir() });
    try {
      const metrics = await pgqrs.admin(restarted).queueMetrics("jobs");
      expect(metrics).toMatchObject({ pendingMessages: 0 });
      expect(await pgqrs.asS3(restarted).state()).toMatchObject({ state: "InSync" });
    } finally {
      await restarted.close();
    }
  });

  it("round-trips a workflow served by a worker", async () => {
    const dsn = s3.freshDsn("workflow");
    const store = await openS3Store({ dsn });
    try {
      await pgqrs.admin(store).install();
      const double = pgqrs.defineWorkflow({ name: "double" }, async (run, input: { n: number }) =>
        pgqrs.workflowStep(run, "times_two", async () => ({ value: input.n * 2 })),
      );
      await pgqrs.workflow().name(double).create(store);
      const trigger = await pgqrs.workflow().name(double).trigger({ n: 21 }).execute(store);
      const worker = await pgqrs.consumer("s3-worker", "double").handler(double).create(store);
      try {
        expect(await trigger.result({ timeoutMs: 20_000 })).toEqual({ value: 42 });
      } finally {
        await worker.interrupt();
        await worker.consumer.shutdown();
      }
    } finally {
      await store.close();
    }
    const restarted = await openS3Store({ dsn, cacheDir: freshCacheDir() });
    try {
      const steps = await pgqrs
        .workflow("double")
        .steps((await pgqrs.workflow("double").runs(restarted))[0]!.id, restarted);
      expect(steps.map((s) => [s.stepName, s.status])).toEqual([["times_two", "SUCCESS"]]);
    } finally {
      await restarted.close();
    }
  });

  it("a restart with an empty cache dir bootstraps from the object instead of overwriting it", async () => {
    const dsn = s3.freshDsn("restart");
    const first = await openS3Store({ dsn });
    await pgqrs.asS3(first).bootstrap();
    await first.queue("kept");
    await (await first.producer("kept")).enqueue({ keep: true });
    const etag = await s3.etagOf(dsn);
    await first.close();

    const second = await openS3Store({ dsn, cacheDir: freshCacheDir() });
    try {
      await pgqrs.asS3(second).bootstrap();
      // The schema was already there: bootstrap pulled it and had nothing to publish.
      expect(await s3.etagOf(dsn)).toBe(etag);
      const msgs = await pgqrs.admin(second).queueMetrics("kept");
      expect(msgs).toMatchObject({ pendingMessages: 1 });
    } finally {
      await second.close();
    }
  });

  it("two writers publishing at once: exactly one wins, the other's call rejects with CONFLICT and is rolled back", async () => {
    const dsn = s3.freshDsn("race2");
    const a = await openS3Store({ dsn });
    const b = await openS3Store({ dsn });
    try {
      await pgqrs.asS3(a).bootstrap();
      await a.queue("race");
      const pa = await a.producer("race", { name: "pa" });
      const pb = await b.producer("race", { name: "pb" });
      s3.proxy.raceNextPuts(2);
      const outcomes = await Promise.allSettled([pa.enqueue({ from: "a" }), pb.enqueue({ from: "b" })]);
      const won = outcomes.filter((o) => o.status === "fulfilled");
      const lost = outcomes.flatMap((o) => (o.status === "rejected" ? [o.reason as unknown] : []));
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect(isPgqrsError(lost[0], "CONFLICT")).toBe(true);
      const loser =
        outcomes[0]?.status === "rejected" ? { store: a, p: pa, from: "a" } : { store: b, p: pb, from: "b" };
      // The loser's write was rolled back: its cache holds the winner's revision, nothing unpublished.
      expect(await pgqrs.asS3(loser.store).state()).toMatchObject({ state: "InSync", localDirty: false });
      await loser.p.enqueue({ from: loser.from });

      const reader = await openS3Store({ dsn, cacheDir: freshCacheDir() });
      try {
        const q = await reader.getQueue("race");
        const stored = await reader.context.backend.listMessages({ queueId: q.id, limit: 100 });
        expect(stored.map((m) => (m.payload as { from: string }).from).sort()).toEqual(["a", "b"]);
      } finally {
        await reader.close();
      }
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("two writers on one key under latency: every acknowledged write is in the object, every other one got CONFLICT", async () => {
    const dsn = s3.freshDsn("race");
    const a = await openS3Store({ dsn });
    const b = await openS3Store({ dsn });
    s3.proxy.putDelayMs = 5;
    try {
      await pgqrs.asS3(a).bootstrap();
      await a.queue("race");
      const producers = [await a.producer("race", { name: "pa" }), await b.producer("race", { name: "pb" })];
      const acknowledged: string[] = [];
      let conflicts = 0;
      const writes = Array.from({ length: 40 }, (_, i) => {
        const producer = producers[i % 2];
        if (producer === undefined) throw new Error("unreachable");
        return producer.enqueue({ i }).then(
          () => acknowledged.push(String(i)),
          (err: unknown) => {
            if (!isPgqrsError(err, "CONFLICT")) throw err;
            conflicts += 1;
          },
        );
      });
      await Promise.all(writes);
      expect(acknowledged.length + conflicts).toBe(40);
      expect(acknowledged.length).toBeGreaterThan(0);

      const reader = await openS3Store({ dsn, cacheDir: freshCacheDir() });
      try {
        const q = await reader.getQueue("race");
        const stored = await reader.context.backend.listMessages({ queueId: q.id, limit: 1000 });
        const payloads = stored.map((m) => String((m.payload as { i: number }).i)).sort();
        expect(payloads).toEqual([...acknowledged].sort());
      } finally {
        await reader.close();
      }
    } finally {
      s3.proxy.putDelayMs = 0;
      await a.close();
      await b.close();
    }
  });
});
