/**
 * The library never writes to the console (issue 19 item 7): a normal queue and workflow run, with background
 * heartbeats, maintenance and store jobs, writes nothing to console.* or the process's stdout/stderr.
 */
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import * as pgqrs from "../../src/index.js";
import { BACKENDS } from "../support/backends.js";
import { openTestStore } from "../support/stores.js";

const CONSOLE_METHODS = ["log", "info", "warn", "error", "debug", "trace"] as const;

describe.each(BACKENDS)("console silence on %s", (backend) => {
  let spies: MockInstance[] = [];

  beforeEach(() => {
    spies = [
      ...CONSOLE_METHODS.map((m) => vi.spyOn(console, m)),
      vi.spyOn(process.stderr, "write"),
      vi.spyOn(process.stdout, "write"),
    ];
  });

  afterEach(() => {
    for (const spy of spies) spy.mockRestore();
  });

  it("a queue handled by a poll loop and a workflow served to its result write nothing", async () => {
    const { store, clock } = await openTestStore(backend, { pollIntervalMs: 10 });
    await store.queue("emails");
    await pgqrs.enqueue().message({ to: "a@example.com" }).to("emails").execute(store);
    const handled: unknown[] = [];
    const controller = new AbortController();
    const loop = pgqrs
      .dequeue()
      .from("emails")
      .signal(controller.signal)
      .handle(async (m) => {
        handled.push(m.payload);
        controller.abort();
      })
      .poll(store);
    await loop;
    expect(handled).toEqual([{ to: "a@example.com" }]);

    const greet = pgqrs.defineWorkflow({ name: "greet" }, async (run, input: { name: string }) =>
      pgqrs.workflowStep(run, "hello", async () => `hello ${input.name}`),
    );
    await pgqrs.workflow().name(greet).create(store);
    const consumer = await pgqrs.consumer("worker-1", "greet").create(store);
    const msg = await pgqrs.workflow().name(greet).trigger({ name: "ada" }).execute(store);
    const worker = pgqrs.workflow().name(greet).consumer(consumer).poll(store);
    expect(await pgqrs.run().message(msg).store(store).result({ timeoutMs: 10_000 })).toBe("hello ada");
    // Time passes: heartbeats, maintenance rounds and the store's jobs run in the background meanwhile.
    clock.advance(120_000);
    await consumer.interrupt();
    await worker;
    await store.close();

    for (const spy of spies) expect(spy.mock.calls, String(spy.getMockName())).toEqual([]);
  });
});
