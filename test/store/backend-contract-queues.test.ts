/**
 * StoreBackend contract, schema and queues: install and verify; create, look up, delete and purge queues.
 * Runs once per backend of PGQRS_TEST_BACKENDS, on a fresh database per file.
 */
import { describe, expect, it } from "vitest";
import { describeEachBackend, testClock as clock } from "../support/backend-factories.js";
import { uniqueName } from "../support/backends.js";
import { codeOf, contractHelpers, messageOf } from "./backend-contract-support.js";

describeEachBackend("StoreBackend contract: $name", ({ factory, b, backend }) => {
  const { queue, worker, put, take } = contractHelpers(backend);

  describe("schema", () => {
    it("install is idempotent and verify passes on an installed schema", async () => {
      await b.install();
      await expect(b.verify()).resolves.toBeUndefined();
      expect(b.capabilities.backendName).toBe(factory.name);
    });
  });

  describe("queues", () => {
    it("creates, finds and refuses duplicates with QUEUE_ALREADY_EXISTS", async () => {
      const t = clock();
      const name = uniqueName("q");
      const q = await b.createQueue({ name, now: t() });
      expect(q).toEqual({
        id: expect.any(Number),
        queueName: name,
        createdAt: t(),
        retry: null,
        concurrencyLimit: null,
        rateLimit: null,
      });
      expect(await codeOf(() => b.createQueue({ name, now: t() }))).toBe("QUEUE_ALREADY_EXISTS");
      expect(await messageOf(() => b.createQueue({ name, now: t() }))).toBe(`Queue '${name}' already exists`);
      expect(await b.getQueueByName(name)).toEqual(q);
      expect(await b.getQueueById(q.id)).toEqual(q);
      expect(await b.getQueueByName(uniqueName("missing"))).toBeNull();
      expect(await b.getQueueById(q.id + 1_000_000)).toBeNull();
      expect((await b.listQueues()).map((r) => r.id)).toContain(q.id);
    });

    it("deleteQueue refuses live workers and messages, then deletes stopped workers and the workflow", async () => {
      const t = clock();
      const wf = await b.createWorkflow({ name: uniqueName("wf"), now: t() });
      const q = (await b.getQueueById(wf.queueId))!;
      const w = await worker(q, t());
      const del = () => b.deleteQueue({ queueId: q.id, queueName: q.queueName });
      expect(await codeOf(del)).toBe("VALIDATION_FAILED");
      expect(await messageOf(del)).toBe(
        `Validation failed: Cannot delete queue '${q.queueName}': 1 worker(s) are still assigned to this queue. Delete workers first.`,
      );
      await b.transitionWorker({ id: w.id, from: ["ready"], to: "stopped", now: t() });
      const [m] = await put(q, [{ input: 1 }], t());
      await b.getOrCreateRun({ message: m!, now: t() });
      expect(await messageOf(del)).toBe(
        `Validation failed: Cannot delete queue '${q.queueName}': 1 references exist in messages table. Purge data first.`,
      );
      await b.deleteMessages({ ids: [m!.id] });
      await del();
      expect(await b.getQueueById(q.id)).toBeNull();
      expect(await b.getWorker(w.id)).toBeNull();
      expect(await b.getWorkflowById(wf.id)).toBeNull();
    });

    it("purgeQueue removes messages (with runs and steps) and workers of that queue only", async () => {
      const t = clock();
      const wf = await b.createWorkflow({ name: uniqueName("wf"), now: t() });
      const q = (await b.getQueueById(wf.queueId))!;
      const other = await queue(t());
      const w = await worker(q, t());
      const [m1, m2] = await put(q, [{ input: 1 }, { input: 2 }], t());
      const [keep] = await put(other, [1], t());
      await take(q, w, t(), 1);
      await b.archive({ ids: [m1!.id], workerId: w.id, now: t() });
      const run = await b.getOrCreateRun({ message: m2!, now: t() });
      await b.acquireStep({ owner: "d1", runId: run.id, stepName: "s", now: t() });
      await b.purgeQueue({ queueId: q.id });
      expect(await b.countMessages({ queueId: q.id, state: "all" })).toBe(0);
      expect(await b.getRun(run.id)).toBeNull();
      expect(await b.getStep({ runId: run.id, stepName: "s" })).toBeNull();
      expect(await b.getWorker(w.id)).toBeNull();
      expect(await b.getMessage(keep!.id)).not.toBeNull();
      await b.deleteQueue({ queueId: q.id, queueName: q.queueName });
      expect(await b.getWorkflowByName(wf.name)).toBeNull();
    });
  });
});
