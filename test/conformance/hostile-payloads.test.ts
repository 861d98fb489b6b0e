import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { openTestStore, thrown } from "../support/stores.js";

/** What JSON can carry: JSON.parse(JSON.stringify(v)) (−0 becomes 0, key order is not kept by jsonb). */
const asJson = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

describe.each(EVERY_BACKEND)("hostile payloads on %s", (backend) => {
  it("random JSON values (any Unicode, quotes, backslashes, SQL text) round-trip exactly", async () => {
    const { store } = await openTestStore(backend);
    await pgqrs.admin(store).createQueue("fuzz");
    const producer = await store.producer("fuzz");
    const consumer = await store.consumer("fuzz");
    const sqlish = fc.constantFrom("'; DROP TABLE pgqrs_messages; --", '"', "\\", "\\'", "$1", "%s", "😀", "\u2028");
    const text = fc.oneof(fc.string({ unit: "grapheme", maxLength: 40 }), sqlish);
    const value = fc.letrec((tie) => ({
      v: fc.oneof(
        { depthSize: "small" },
        text,
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie("v"), { maxLength: 5 }),
        // Forbidden keys (fast-check's strings include them on purpose) are refused by design, tested apart.
        fc.dictionary(
          text.filter((k) => !["__proto__", "constructor", "prototype"].includes(k)),
          tie("v"),
          { maxKeys: 5 },
        ),
      ),
    })).v;
    await fc.assert(
      fc.asyncProperty(value, async (payload) => {
        const sent = await producer.enqueue(payload);
        const [got] = await consumer.dequeue({ batchSize: 1 });
        expect(got?.id).toBe(sent.id);
        expect(got?.payload).toEqual(asJson(payload));
        await consumer.archive(sent.id);
      }),
      { numRuns: 80 },
    );
  });

  it("NUL characters and lone surrogates are refused with VALIDATION_FAILED before any write", async () => {
    const { store } = await openTestStore(backend);
    await pgqrs.admin(store).createQueue("nul");
    const producer = await store.producer("nul");
    for (const bad of [{ s: "a\u0000b" }, { "k\u0000": 1 }, ["\ud800"], "x\udc00", { deep: [{ s: "\u0000" }] }]) {
      const err = await thrown(() => producer.enqueue(bad));
      expect(err.code).toBe("VALIDATION_FAILED");
      expect(err.message).toMatch(/NUL|surrogate/);
    }
    const err = await thrown(() => producer.enqueueBatch([{ ok: 1 }, { s: "\u0000" }]));
    expect(err.message).toContain("index 1");
    expect(await store.tables().messages().count({ state: "all" })).toBe(0);
  });

  it("values that are not JSON are refused before any write", async () => {
    const { store } = await openTestStore(backend);
    await pgqrs.admin(store).createQueue("nonjson");
    const producer = await store.producer("nonjson");
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const bad: unknown[] = [
      undefined,
      () => 1,
      Symbol("s"),
      10n,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      [undefined],
      new Map(),
      new Set([1]),
      cyclic,
      { nested: { f: () => 1 } },
    ];
    for (const v of bad) expect((await thrown(() => producer.enqueue(v))).code).toBe("VALIDATION_FAILED");
    expect(await store.tables().messages().count({ state: "all" })).toBe(0);
  });

  it("oversized payloads and batches are refused with the limit in the message", async () => {
    const { store } = await openTestStore(backend, { validationConfig: { maxPayloadSizeBytes: 1000 } });
    await pgqrs.admin(store).createQueue("big");
    const producer = await store.producer("big");
    const big = await thrown(() => producer.enqueue({ s: "x".repeat(2000) }));
    expect(big.code).toBe("PAYLOAD_TOO_LARGE");
    expect(big.message).toMatch(/^Payload size \d+ exceeds limit 1000$/);
    expect(big.details).toMatchObject({ maxBytes: 1000 });
    const inBatch = await thrown(() => producer.enqueueBatch([{ s: "ok" }, { s: "x".repeat(2000) }]));
    expect(inBatch.code).toBe("VALIDATION_FAILED");
    expect(inBatch.message).toMatch(/Payload at index 1 too large: \d+ bytes exceeds limit 1000/);
    const many = await thrown(() => producer.enqueueBatch(Array.from({ length: 10_001 }, () => 1)));
    expect(many.code).toBe("VALIDATION_FAILED");
    expect(many.message).toContain("10000");
    expect(await store.tables().messages().count({ state: "all" })).toBe(0);
  });
});
