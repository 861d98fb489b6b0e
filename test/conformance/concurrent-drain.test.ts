import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { openTestStore } from "../support/stores.js";

describe("concurrent drain on postgres", () => {
  it("8 consumers drain 2,000 messages: each archived exactly once, none lost, none leased twice", async () => {
    const { store } = await openTestStore("postgres", { maxConnections: 10 });
    await store.queue("drain");
    const producer = await store.producer("drain");
    const total = 2_000;
    for (let i = 0; i < total; i += 500) {
      await producer.enqueueBatch(Array.from({ length: 500 }, (_, k) => ({ n: i + k })));
    }
    const consumers = await Promise.all(Array.from({ length: 8 }, () => store.consumer("drain")));
    const deliveries = new Map<number, number>();
    let archivedTrue = 0;
    await Promise.all(
      consumers.map(async (c) => {
        while (true) {
          const batch = await c.dequeue({ batchSize: 10, vtSeconds: 300 });
          if (batch.length === 0) return;
          for (const m of batch) deliveries.set(m.id, (deliveries.get(m.id) ?? 0) + 1);
          const results = await c.archiveMany(batch.map((m) => m.id));
          archivedTrue += results.filter(Boolean).length;
        }
      }),
    );
    expect(deliveries.size).toBe(total);
    expect([...deliveries.values()].every((n) => n === 1)).toBe(true);
    expect(archivedTrue).toBe(total);
    const metrics = await pgqrs.admin(store).queueMetrics("drain");
    expect(metrics.archivedMessages).toBe(total);
    expect(metrics.activeMessages).toBe(0);
    expect(metrics.totalMessages).toBe(total);
  });
});
