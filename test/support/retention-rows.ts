/**
 * Rows for the retention conformance tests (issue 18): unique queue and workflow names, archived messages made at the
 * clock's time, and a queue's messages counted by state. Used by test/conformance/retention-policies.test.ts and
 * retention-sweep.test.ts.
 */
import * as pgqrs from "../../src/index.js";
import type { TestStore } from "./stores.js";

export const DAY = 86_400_000;
let counter = 0;
export const unique = (prefix: string) => `${prefix}_${++counter}_${Math.random().toString(36).slice(2, 7)}`;

/** Enqueue `n` messages to `queue`, claim and archive them all at the clock's time; returns their ids. */
export async function archived(t: TestStore, queue: string, n: number): Promise<number[]> {
  const producer = await t.store.producer(queue);
  const consumer = await t.store.consumer(queue);
  await producer.enqueueBatch(Array.from({ length: n }, (_, i) => ({ i })));
  const ids: number[] = [];
  for (;;) {
    const got = await consumer.dequeueMany(100, 3600);
    if (got.length === 0) break;
    await consumer.archiveMany(got.map((m) => m.id));
    ids.push(...got.map((m) => m.id));
  }
  return ids;
}

/** How many of `queue`'s messages are in `state`. */
export async function count(
  t: TestStore,
  queue: string,
  state: "active" | "archived" | "dead" | "all",
): Promise<number> {
  const q = await pgqrs.admin(t.store).getQueue(queue);
  return t.store.context.backend.countMessages({ queueId: q.id, state });
}
