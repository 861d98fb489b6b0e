/**
 * No swapped strings (issue 19, item 2): `store.consumer(queue, { name })` and `store.producer(queue, { name })`
 * take the worker's name in an options object, the positional `(queue, name)` form keeps working, and a positional
 * call (or `pgqrs.consumer(name, queue)` / `pgqrs.producer(name, queue)`) whose queue does not exist while its worker
 * name is an existing queue fails with a QUEUE_NOT_FOUND that says the arguments look swapped and shows the call
 * that was meant, having registered nothing. The seed's `pgqrs.consumer("worker-1", 8080, "process_task")` works.
 */
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { openTestStore, thrown } from "../support/stores.js";

describe.each(EVERY_BACKEND)("registering producers and consumers on %s", (backend) => {
  const setup = async () => {
    const { store } = await openTestStore(backend);
    await store.queue("emails");
    return store;
  };
  const workerNames = async (store: pgqrs.Store) => (await store.tables().workers().list()).map((w) => w.name);

  it("takes the name in an options object, or positionally, or not at all", async () => {
    const store = await setup();
    const c = await store.consumer("emails", { name: "worker-1" });
    const p = await store.producer("emails", { name: "api-1" });
    expect([c.name, c.queue.queueName]).toEqual(["worker-1", "emails"]);
    expect([p.name, p.queue.queueName]).toEqual(["api-1", "emails"]);
    expect((await store.consumer("emails", "worker-2")).name).toBe("worker-2");
    expect((await store.producer("emails", "api-2")).name).toBe("api-2");
    expect((await store.consumer("emails", {})).name).toMatch(/-[0-9a-f-]{36}$/);
    expect((await store.producer("emails")).name).toMatch(/-[0-9a-f-]{36}$/);
    // The message round-trips between them.
    await p.enqueue({ to: "a@example.com" });
    const [m] = await c.dequeue();
    expect(m?.payload).toEqual({ to: "a@example.com" });
  });

  it("says the arguments look swapped when a positional name is the existing queue, and registers nothing", async () => {
    const store = await setup();
    const before = await workerNames(store);
    const c = await thrown(() => store.consumer("worker-1", "emails"));
    expect(c).toBeInstanceOf(pgqrs.PgqrsError);
    expect(c.code).toBe("QUEUE_NOT_FOUND");
    expect(c.message).toBe(
      `Queue 'worker-1' not found, but a queue 'emails' exists: the arguments look swapped; write store.consumer("emails", { name: "worker-1" })`,
    );
    expect(c.details).toMatchObject({ name: "worker-1", existingQueue: "emails", swapped: true });
    const p = await thrown(() => store.producer("api-1", "emails"));
    expect(p.code).toBe("QUEUE_NOT_FOUND");
    expect(p.message).toContain(`write store.producer("emails", { name: "api-1" })`);
    expect(await workerNames(store)).toEqual(before);
  });

  it("keeps the plain QUEUE_NOT_FOUND when nothing looks swapped", async () => {
    const store = await setup();
    for (const call of [
      () => store.consumer("nope", "worker-1"),
      () => store.consumer("nope", { name: "emails" }),
      () => store.producer("nope", "also-not-a-queue"),
      () => store.consumer("nope"),
    ]) {
      const err = await thrown(call);
      expect(err.code).toBe("QUEUE_NOT_FOUND");
      expect(err.message).not.toContain("swapped");
    }
  });

  it("names the swap of pgqrs.consumer(name, queue) and pgqrs.producer(name, queue) in their own words", async () => {
    const store = await setup();
    const c = await thrown(() => pgqrs.consumer("emails", "worker-1").create(store));
    expect(c.code).toBe("QUEUE_NOT_FOUND");
    expect(c.message).toBe(
      `Queue 'worker-1' not found, but a queue 'emails' exists: the arguments look swapped; write pgqrs.consumer("worker-1", "emails")`,
    );
    const p = await thrown(() => pgqrs.producer("emails", "api-1").create(store));
    expect(p.message).toContain(`write pgqrs.producer("api-1", "emails")`);
    // The right order works.
    expect((await pgqrs.consumer("worker-1", "emails").create(store)).name).toBe("worker-1");
    expect((await pgqrs.producer("api-1", "emails").create(store)).name).toBe("api-1");
  });

  it("keeps the seed's pgqrs.consumer(host, port, queue) as written", async () => {
    const store = await setup();
    await store.createWorkflow("process_task");
    const c = await pgqrs.consumer("worker-1", 8080, "process_task").create(store);
    expect([c.name, c.queue.queueName]).toEqual(["worker-1:8080", "process_task"]);
    const err = await thrown(() => pgqrs.consumer("worker-1", 8080, "missing").create(store));
    expect(err.code).toBe("QUEUE_NOT_FOUND");
    expect(err.message).not.toContain("swapped");
  });

  it("refuses options that are not { name } with VALIDATION_FAILED naming them, before anything is written", async () => {
    const store = await setup();
    const before = await workerNames(store);
    const unknown = await thrown(() => store.consumer("emails", { queue: "x" } as pgqrs.ConsumerOptions));
    expect(unknown.code).toBe("VALIDATION_FAILED");
    expect(unknown.message).toContain("unknown option 'queue'");
    const bad = await thrown(() => store.producer("emails", 42 as unknown as string));
    expect(bad.code).toBe("VALIDATION_FAILED");
    expect(bad.message).toContain("takes { name } or a name string");
    expect(await workerNames(store)).toEqual(before);
  });
});
