/**
 * Zombie reclaim after an outage of the reclaimer's own: a store whose heartbeats just failed (the database was out
 * of reach: a failover, a restart) does not take other workers for dead until it has reached the database for a
 * whole threshold, so live workers cut off by the same outage have time to beat again. In virtual time.
 */
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { HeartbeatRegistry } from "../../src/workers/heartbeat-registry.js";
import { zombieReclaimTask } from "../../src/workers/zombie-reclaim.js";
import { BACKENDS } from "../support/backends.js";
import { openVirtualStore } from "../support/virtual-time.js";

const THRESHOLD_MS = 6_000; // six periods of the 1 s heartbeat below

describe.each(BACKENDS)("zombie reclaim after this store's own outage on %s", (backend) => {
  it("reports trouble for one window after a failed beat, and none before any beat failed", async () => {
    const { store, clock } = await openVirtualStore(backend, { heartbeatIntervalSeconds: 1 });
    const registry = new HeartbeatRegistry(store.context.backend, clock, 0);
    registry.add(1, () => undefined);
    expect(registry.troubledWithin(THRESHOLD_MS)).toBe(false);
    await store.close(); // every beat from now on fails (STORE_CLOSED)
    await registry.beatNow();
    expect(registry.troubledWithin(THRESHOLD_MS)).toBe(true);
    clock.advance(THRESHOLD_MS - 1);
    expect(registry.troubledWithin(THRESHOLD_MS)).toBe(true);
    clock.advance(1);
    expect(registry.troubledWithin(THRESHOLD_MS)).toBe(false);
  });

  it("waits one threshold after its own failed heartbeat, then reclaims the zombie's message", async () => {
    const { store, clock } = await openVirtualStore(backend, { heartbeatIntervalSeconds: 1 });
    const queue = await store.queue("outage");
    const [{ id }] = (await (await store.producer("outage")).enqueueBatch([{ n: 1 }])) as [pgqrs.QueueMessage];
    const zombie = await store.consumer("outage");
    expect((await zombie.dequeue({ batchSize: 1, vtSeconds: 3_600 })).map((m) => m.id)).toEqual([id]);
    // The zombie stops beating (its process is gone) while its row says ready and it holds the message.
    store.context.heartbeats.remove(zombie.id);
    clock.advance(THRESHOLD_MS + 1);

    // The reclaimer's own heartbeats fail now: the database was out of reach for it too.
    const closed = await openVirtualStore(backend);
    await closed.store.close();
    const troubled = new HeartbeatRegistry(closed.store.context.backend, clock, 0);
    troubled.add(1, () => undefined);
    await troubled.beatNow();
    const task = zombieReclaimTask({ ...store.context, heartbeats: troubled }, queue.id);

    await task.run();
    expect(await zombie.status()).toBe("ready");
    const admin = pgqrs.admin(store);
    expect((await admin.listZombies({ queue: "outage", olderThanMs: THRESHOLD_MS })).map((w) => w.id)).toEqual([
      zombie.id,
    ]);

    clock.advance(THRESHOLD_MS);
    await task.run();
    expect(await zombie.status()).toBe("stopped");
    const consumer = await store.consumer("outage");
    expect((await consumer.dequeue({ batchSize: 1 })).map((m) => m.id)).toEqual([id]);
    await store.close();
  });
});
