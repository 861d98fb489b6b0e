/**
 * docs/backends.md, "JSON key order": PostgreSQL's jsonb gives an object's keys back in its own order (shorter keys
 * first), every SQLite-file backend as written; the values are equal either way. Checked on every backend for a
 * payload, a workflow input and a step output, so the page stays true.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it, vi } from "vitest";
import * as pgqrs from "../../src/index.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { openTestStore } from "../support/stores.js";

vi.setConfig({ testTimeout: 60_000 });

const WRITTEN = { zeta: 1, alpha: 2, mid: 3 };
const JSONB_ORDER = ["mid", "zeta", "alpha"];

it("docs/backends.md states the order it is checked against", () => {
  const page = readFileSync(join(process.cwd(), "docs/backends.md"), "utf8");
  expect(page).toContain('`{"zeta":1,"alpha":2,"mid":3}` reads back\n  as `{"mid":3,"zeta":1,"alpha":2}`');
});

describe.each(EVERY_BACKEND)("JSON key order on %s", (backend) => {
  let store: pgqrs.Store;
  const expected = backend === "postgres" ? JSONB_ORDER : Object.keys(WRITTEN);

  beforeAll(async () => {
    ({ store } = await openTestStore(backend));
    await pgqrs.admin(store).createQueue("key_order");
  });

  it("a payload comes back equal, with the keys in the backend's order", async () => {
    await (await store.producer("key_order")).enqueue(WRITTEN);
    const [m] = await (await store.consumer("key_order")).dequeue();
    expect(m?.payload).toEqual(WRITTEN);
    expect(Object.keys(m?.payload as object)).toEqual(expected);
  });

  it("a workflow's input and a step's output too", async () => {
    const def = pgqrs.defineWorkflow({ name: "key_order_wf" }, async (run, input: typeof WRITTEN) => {
      const out = await pgqrs.workflowStep(run, "echo", async () => ({ ...input }));
      return { keys: Object.keys(input), out };
    });
    await pgqrs.workflow().name(def).create(store);
    const trigger = await pgqrs.workflow().name(def).trigger(WRITTEN).execute(store);
    const consumer = await pgqrs.consumer("key-order-worker", "key_order_wf").create(store);
    const loop = pgqrs.workflow().name(def).consumer(consumer).poll(store);
    try {
      const result = await trigger.result({ timeoutMs: 30_000 });
      expect(result.out).toEqual(WRITTEN);
      expect(result.keys).toEqual(expected);
      expect(Object.keys(result.out)).toEqual(expected);
    } finally {
      await consumer.interrupt();
      await loop;
    }
  });
});
