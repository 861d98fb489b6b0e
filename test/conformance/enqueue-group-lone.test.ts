/**
 * Group commit's lone caller (issue 21 item 1), on every backend: a call that finds nothing in flight is inserted at
 * once on its own; calls made while it is in flight wait and go together once it returns, even when it fails; a
 * sequential caller always finds the group idle again; a write that throws instead of rejecting fails its caller
 * only.
 */
import "../../src/index.js";
import { describe, expect, it } from "vitest";
import { EnqueueGroup } from "../../src/queue/enqueue-group.js";
import type { EnqueueParams } from "../../src/store/message-params.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { openTestStore } from "../support/stores.js";

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe.each(EVERY_BACKEND)("group commit, lone callers, on %s", (backend) => {
  let n = 0;
  /** A group over the store's real backend; `refuse(k)` makes the k-th write (1-based) fail as `how` says. */
  const setup = async () => {
    const t = await openTestStore(backend);
    n += 1;
    const q = await t.store.queue(`lone_${n}`);
    const producer = await t.store.producer(`lone_${n}`);
    const writes: string[] = [];
    const refusals = new Map<number, "reject" | "throw">();
    const group = new EnqueueGroup({
      queueId: q.id,
      producerWorkerId: producer.id,
      write: (p: EnqueueParams) => {
        writes.push(p.rows === undefined ? `alone:${p.payloads.length}` : `shared:${p.rows.length}`);
        const how = refusals.get(writes.length);
        if (how === "throw") throw new Error("refused synchronously");
        if (how === "reject") return Promise.reject(new Error("refused"));
        return t.store.context.backend.enqueue(p);
      },
    });
    const add = (payload: unknown) => {
      const now = t.clock.now();
      return group.add(JSON.stringify(payload), { enqueuedAt: now, visibleAt: now });
    };
    return { ...t, writes, refusals, add };
  };

  it("a sequential caller's every call is its own insert, answered with its own row", async () => {
    const { store, writes, add } = await setup();
    const ids: number[] = [];
    for (const i of range(5)) {
      const m = await add({ i });
      expect(m.payload).toEqual({ i });
      ids.push(m.id);
    }
    expect(writes).toEqual(range(5).map(() => "alone:1"));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(await store.tables().messages().count()).toBe(5);
  });

  it("callers that arrive during a lone insert that fails still go together, and only the lone caller fails", async () => {
    const { store, writes, refusals, add } = await setup();
    refusals.set(1, "reject");
    const settled = await Promise.allSettled(range(4).map((i) => add({ i })));
    expect(settled.map((s) => s.status)).toEqual(["rejected", "fulfilled", "fulfilled", "fulfilled"]);
    expect(writes).toEqual(["alone:1", "shared:3"]);
    expect(await store.tables().messages().count()).toBe(3);
    // Idle again: the next caller goes alone at once.
    await add({ after: true });
    expect(writes.at(-1)).toBe("alone:1");
  });

  it("a write that throws instead of rejecting fails its caller only; the group stays usable", async () => {
    const { store, writes, refusals, add } = await setup();
    refusals.set(1, "throw");
    const first = add({ first: true });
    const second = add({ second: true });
    await expect(first).rejects.toThrow("refused synchronously");
    expect((await second).payload).toEqual({ second: true });
    expect(writes).toEqual(["alone:1", "alone:1"]);
    expect(await store.tables().messages().count()).toBe(1);
  });
});
