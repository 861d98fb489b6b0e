import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { EVERY_BACKEND, freshDatabase } from "../support/backends.js";
import { errorCode, openTestStore, thrown } from "../support/stores.js";
import { openVirtualStore } from "../support/virtual-time.js";

describe.each(EVERY_BACKEND)("worker registration on %s", (backend) => {
  it("registers named producers and consumers, host:port for the three-argument form", async () => {
    const { store } = await openTestStore(backend);
    await store.queue("tasks");
    const p = await pgqrs.producer("producer-1", "tasks").create(store);
    const c = await pgqrs.consumer("worker-1", 8080, "tasks").create(store);
    const c2 = await pgqrs.consumer("consumer-2", "tasks").create(store);
    expect(p.name).toBe("producer-1");
    expect(c.name).toBe("worker-1:8080");
    expect(c2.name).toBe("consumer-2");
    const rows = await store.tables().workers().list();
    const byName = new Map(rows.map((r) => [r.name, r]));
    expect(byName.get("worker-1:8080")?.status).toBe("ready");
    expect(byName.get("worker-1:8080")?.queueId).toBe(c.queue.id);
    expect(await c.status()).toBe("ready");
  });

  it("refuses an active name, and reuses a stopped one", async () => {
    const { store } = await openTestStore(backend);
    await store.queue("a");
    await store.queue("b");
    const first = await pgqrs.consumer("dup", "a").create(store);
    const active = await thrown(() => pgqrs.consumer("dup", "b").create(store));
    expect(active.code).toBe("VALIDATION_FAILED");
    expect(active.message).toContain("already active");
    await first.suspend();
    expect((await thrown(() => pgqrs.consumer("dup", "b").create(store))).message).toContain("suspended");
    await first.shutdown();
    const again = await pgqrs.consumer("dup", "b").create(store);
    expect(again.id).toBe(first.id);
    expect(again.record.queueId).toBe(again.queue.id);
    expect(await again.status()).toBe("ready");
  });

  it("reports illegal transitions with from, to and reason, leaving the row unchanged", async () => {
    const { store } = await openTestStore(backend);
    await store.queue("t");
    const c = await store.consumer("t");
    const err = await thrown(() => c.resume());
    expect(err).toBeInstanceOf(pgqrs.InvalidStateTransitionError);
    expect(err.code).toBe("INVALID_STATE_TRANSITION");
    expect(err.details).toMatchObject({ from: "ready", to: "ready" });
    expect(await c.status()).toBe("ready");
    expect(await errorCode(() => c.interrupt())).toBe("INVALID_STATE_TRANSITION");
    expect(await errorCode(() => c.shutdown())).toBe("INVALID_STATE_TRANSITION");
  });

  it("reuses one ephemeral producer per store and stops it on close", async () => {
    const { dsn, schema } = freshDatabase(backend);
    const store = await pgqrs.connect(dsn, { schema });
    await pgqrs.admin(store).install();
    await store.queue("e");
    for (let i = 0; i < 3; i++) await pgqrs.enqueue().message(i).to("e").execute(store);
    const workers = await store.tables().workers().list();
    expect(workers.filter((w) => w.name.startsWith("__ephemeral__"))).toHaveLength(1);
    await store.close();
    const reopened = await pgqrs.connect(dsn, { schema });
    const after = await reopened.tables().workers().list();
    expect(after.filter((w) => w.name.startsWith("__ephemeral__")).map((w) => w.status)).toEqual(["stopped"]);
    await reopened.close();
  });

  it("registers named admin workers with no queue, with the worker lifecycle", async () => {
    const { dsn, schema } = freshDatabase(backend);
    const store = await pgqrs.connect(dsn, { schema });
    await pgqrs.admin(store).install();
    const named = await store.admin("admin-host-9100");
    const record = await named.workerRecord();
    expect(record).toMatchObject({ name: "admin-host-9100", queueId: null, status: "ready" });
    expect(await named.isHealthy(300_000)).toBe(true);
    expect(await named.isHealthy(0)).toBe(false);
    expect(await named.listQueues()).toEqual([]);
    const row = await store.tables().workers().get(record.id);
    expect(row).toMatchObject({ name: "admin-host-9100", queueId: null, status: "ready" });
    // A live worker of that name is refused, through either form.
    const dup = await thrown(() => pgqrs.admin(store).name("admin-host-9100").workerId());
    expect(dup.code).toBe("VALIDATION_FAILED");
    await named.suspend();
    await named.shutdown();
    expect(await named.status()).toBe("stopped");
    const other = pgqrs.admin(store).name("admin-2");
    expect(await other.status()).toBe("ready");
    const plain = await thrown(() => pgqrs.admin(store).workerId());
    expect(plain.code).toBe("VALIDATION_FAILED");
    await store.close();
  });

  it("heartbeats live workers in the background", async () => {
    const { store, clock } = await openVirtualStore(backend, { heartbeatIntervalSeconds: 5 });
    await store.queue("hb");
    const c = await store.consumer("hb");
    const before = (await c.refresh()).heartbeatAt.getTime();
    expect(before).toBe(clock.now().getTime());
    // One heartbeat period of the store's clock: the background beat stamps the worker with it.
    clock.advance(5_000);
    await expect.poll(async () => (await c.refresh()).heartbeatAt.getTime(), { timeout: 15_000 }).toBe(before + 5_000);
    clock.advance(1);
    expect(await c.isHealthy(10_000)).toBe(true);
    expect(await c.isHealthy(0)).toBe(false);
  });

  it("stops heartbeating a worker that someone else stopped, so purgeOldWorkers can remove it", async () => {
    const { store, clock } = await openVirtualStore(backend, { heartbeatIntervalSeconds: 5 });
    await store.queue("hb");
    const c = await store.consumer("hb");
    // A live worker of the same store: the background beat covers both in one statement.
    const live = await store.consumer("hb");
    await pgqrs.admin(store).transitionWorker(c.id, "suspend");
    await pgqrs.admin(store).transitionWorker(c.id, "shutdown");
    const stoppedAt = (await c.refresh()).heartbeatAt.getTime();
    for (let beat = 1; beat <= 2; beat++) {
      clock.advance(5_000);
      const at = clock.now().getTime();
      await expect.poll(async () => (await live.refresh()).heartbeatAt.getTime(), { timeout: 15_000 }).toBe(at);
    }
    const later = await c.refresh();
    expect(later.status).toBe("stopped");
    expect(later.heartbeatAt.getTime()).toBe(stoppedAt);
    expect(await pgqrs.admin(store).purgeOldWorkers(100)).toBe(1);
    expect(await store.tables().workers().get(c.id)).toBeNull();
  });
});
