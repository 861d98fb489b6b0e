/**
 * Postgres enqueue notifications: one NOTIFY per enqueue statement on the schema's channel, with the queue id and
 * the store's origin tag, at commit. Runs against a real server.
 */
import pg from "pg";
import { describe, expect, it } from "vitest";
import { enqueueChannel } from "../../src/store/postgres/postgres-listener.js";
import { postgresDsn } from "../support/backends.js";
import { usePostgresSpecificBackends } from "./postgres-specific-support.js";

const { backend, freshSchema } = usePostgresSpecificBackends();

describe("enqueue notifications", () => {
  it("each enqueue statement notifies the schema's channel once, with the queue id, at commit", async () => {
    const schema = freshSchema();
    const b = await backend(schema);
    await b.install();
    const now = new Date();
    const queueId = (await b.createQueue({ name: "notified", now })).id;
    const listener = new pg.Client({ connectionString: postgresDsn() });
    await listener.connect();
    const payloads: string[] = [];
    listener.on("notification", (n) => payloads.push(n.payload ?? ""));
    try {
      await listener.query(`LISTEN "${enqueueChannel(schema)}"`);
      const base = { queueId, producerWorkerId: null, enqueuedAt: now, visibleAt: now };
      const one = await b.enqueue({ ...base, payloads: ['{"n":1}'] });
      const many = await b.enqueue({ ...base, payloads: ['{"n":2}', '{"n":3}', '{"n":4}'] });
      expect(one.map((m) => m.payload)).toEqual([{ n: 1 }]);
      expect(many.map((m) => m.payload)).toEqual([{ n: 2 }, { n: 3 }, { n: 4 }]);
      // The returned records are built from what was inserted; they must match what the table holds.
      for (const m of [...one, ...many]) expect(await b.getMessage(m.id)).toEqual(m);
      await expect.poll(() => payloads.length, { timeout: 5_000 }).toBe(2);
      await new Promise((r) => setTimeout(r, 100));
      // The queue id, then the enqueuing store's origin tag (a store skips its own: they woke it in-process).
      expect(payloads).toHaveLength(2);
      for (const p of payloads) expect(p).toMatch(new RegExp(`^${queueId}@[0-9a-f]{12}$`));
      expect(payloads[0]).toBe(payloads[1]);
    } finally {
      await listener.end();
    }
  });
});
