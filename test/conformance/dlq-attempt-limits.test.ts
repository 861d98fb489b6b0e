/**
 * `admin.dlq()` without a queue dead-letters each queue's messages against that queue's own attempt limit
 * (`retry.maxAttempts`), not the store's `maxReadCt` for all: a queue that allows more attempts keeps the messages
 * that still have some, and one that allows fewer gives up its exhausted ones.
 */
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { openTestStore } from "../support/stores.js";

describe.each(EVERY_BACKEND)("dlq() and per-queue attempt limits on %s", (backend) => {
  it("dead-letters every queue's exhausted messages against that queue's own limit", async () => {
    const { store, clock } = await openTestStore(backend, { maxReadCt: 2 });
    try {
      const admin = pgqrs.admin(store);
      await admin.createQueue("dl_default");
      await admin.createQueue("dl_more", { retry: { maxAttempts: 3 } });
      await admin.createQueue("dl_fewer", { retry: { maxAttempts: 1 } });
      const sent = new Map<string, number>();
      for (const name of ["dl_default", "dl_more", "dl_fewer"]) {
        sent.set(name, (await (await store.producer(name)).enqueue({ name })).id);
      }
      const id = (name: string) => sent.get(name) as number;
      /** One delivery of each queue's message whose lease then runs out. */
      const deliverOnce = async (names: string[]) => {
        for (const name of names) {
          const got = await (await store.consumer(name)).dequeue({ vtSeconds: 1 });
          expect(got.map((m) => m.id)).toEqual([id(name)]);
        }
        clock.advance(1_000);
      };

      await deliverOnce(["dl_default", "dl_more", "dl_fewer"]);
      // One delivery: only the queue that allows one attempt is exhausted.
      expect(await admin.dlq()).toEqual([id("dl_fewer")]);
      await deliverOnce(["dl_default", "dl_more"]);
      // Two: the store's limit (2) is reached; the queue that allows three keeps its message.
      expect(await admin.dlq()).toEqual([id("dl_default")]);
      expect((await store.tables().messages().get(id("dl_more")))?.deadLetteredAt).toBeNull();
      await deliverOnce(["dl_more"]);
      expect(await admin.dlq()).toEqual([id("dl_more")]);
      expect(await admin.dlq()).toEqual([]);
      for (const name of ["dl_default", "dl_more", "dl_fewer"]) {
        expect((await admin.listDlq(name)).map((m) => m.id)).toEqual([id(name)]);
      }
    } finally {
      await store.close();
    }
  });

  it("with every queue at the store's limit, dead-letters across queues in ascending id order", async () => {
    const { store, clock } = await openTestStore(backend, { maxReadCt: 1 });
    try {
      const admin = pgqrs.admin(store);
      const ids: number[] = [];
      for (const name of ["dl_x", "dl_y"]) {
        await admin.createQueue(name, { retry: { baseMs: 10 } });
        ids.push((await (await store.producer(name)).enqueue({ name })).id);
        expect(await (await store.consumer(name)).dequeue({ vtSeconds: 1 })).toHaveLength(1);
      }
      expect(await admin.dlq()).toEqual([]);
      clock.advance(1_000);
      expect(await admin.dlq()).toEqual(ids);
    } finally {
      await store.close();
    }
  });
});
