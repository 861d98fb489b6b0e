/**
 * Bad input writes nothing, on every backend: over-long names are VALIDATION_FAILED before any row (the same error
 * on SQLite, whose TEXT columns would take them, as on PostgreSQL), and a payload that is not JSON data sent through
 * the enqueue or trigger builder registers no producer row before it is refused.
 */
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { openTestStore, thrown } from "../support/stores.js";

const LONGEST = 255;

describe.each(EVERY_BACKEND)("bad input writes nothing on %s", (backend) => {
  it("names longer than 255 characters are VALIDATION_FAILED, 255 are kept whole", async () => {
    const { store } = await openTestStore(backend);
    const admin = pgqrs.admin(store);
    const tables = store.tables();
    const long = "n".repeat(LONGEST + 1);
    const refused: [string, () => Promise<unknown>][] = [
      ["createQueue", () => admin.createQueue(long)],
      ["createWorkflow", () => store.createWorkflow(long)],
      ["queue of a producer", () => store.producer(long)],
      ["enqueue builder queue", () => pgqrs.enqueue().message({ a: 1 }).to(long).execute(store)],
    ];
    await admin.createQueue("named");
    refused.push(["producer name", () => store.producer("named", long)]);
    refused.push(["consumer name", () => store.consumer("named", long)]);
    for (const [what, call] of refused) {
      const err = await thrown(call);
      expect(err.code, what).toBe("VALIDATION_FAILED");
      expect(err.message, what).toContain(`at most ${LONGEST} characters`);
    }
    expect((await tables.queues().list()).map((q) => q.queueName)).toEqual(["named"]);
    expect(await tables.workflows().count()).toBe(0);
    expect(await tables.workers().count()).toBe(0);

    const longest = "q".repeat(LONGEST);
    expect((await admin.createQueue(longest)).queueName).toBe(longest);
    expect((await store.createWorkflow("w".repeat(LONGEST))).name).toHaveLength(LONGEST);
    expect((await store.producer(longest, "p".repeat(LONGEST))).name).toHaveLength(LONGEST);
  });

  it("a payload that is not JSON data, through the enqueue or trigger builder, registers no producer", async () => {
    const { store } = await openTestStore(backend);
    const tables = store.tables();
    await pgqrs.admin(store).createQueue("builder_q");
    await store.createWorkflow("builder_wf");
    const calls: [string, () => Promise<unknown>][] = [
      ["enqueue NaN", () => pgqrs.enqueue().message({ a: Number.NaN }).to("builder_q").execute(store)],
      [
        "enqueue batch with a BigInt",
        () =>
          pgqrs
            .enqueue()
            .messages([{ a: 1 }, { b: 1n }])
            .to("builder_q")
            .execute(store),
      ],
      ["trigger BigInt", () => pgqrs.workflow("builder_wf").trigger({ x: 1n }).execute(store)],
      [
        "trigger function",
        () =>
          pgqrs
            .workflow("builder_wf")
            .trigger({ f: () => 1 })
            .execute(store),
      ],
    ];
    for (const [what, call] of calls) {
      const err = await thrown(call);
      expect(err.code, what).toBe("VALIDATION_FAILED");
    }
    expect(await tables.workers().count()).toBe(0);
    expect(await tables.messages().count()).toBe(0);
    // Good input still goes through the same builders, one producer per queue.
    await pgqrs.enqueue().message({ a: 1 }).to("builder_q").execute(store);
    await pgqrs.workflow("builder_wf").trigger({ x: 1 }).execute(store);
    expect(await tables.messages().count()).toBe(2);
    expect(await tables.workers().count()).toBe(2);
    // Once the producer exists its own checks refuse the payload, and still nothing is written.
    expect((await thrown(() => pgqrs.enqueue().message({ a: Number.NaN }).to("builder_q").execute(store))).code).toBe(
      "VALIDATION_FAILED",
    );
    expect(await tables.messages().count()).toBe(2);
  });
});
