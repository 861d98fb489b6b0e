/**
 * Workflow workers claim trigger messages ahead of their free slots while runs are fast
 * (`WorkflowWorkerOptions.prefetch`, `workflow().prefetch(n)`): runs started by the claim wait in memory for a slot.
 * Checked for correctness: every run once and each step once, the default per backend, and that runs claimed
 * ahead and never executed go back unrun (delivery refunded, the run's start given back) for any worker to finish.
 * The stores run on a virtual clock: runs take no time unless the test advances it, so whether a worker prefetches
 * never depends on the load.
 */
import { describe, expect, it, vi } from "vitest";
import * as pgqrs from "../../src/index.js";
import { STALLED_WAIT_MS } from "../../src/queue/poll-lanes.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { errorCode, thrown } from "../support/stores.js";
import { advanceUntil, gate, openVirtualStore } from "../support/virtual-time.js";

describe.each(EVERY_BACKEND)("prefetching workflow workers on %s", (backend) => {
  let n = 0;

  /**
   * A workflow of three steps counting each step's executions per input, whose run of input `blockAt` waits in its
   * second step until the test opens `blocked`; `count` runs triggered.
   */
  const setup = async (count: number, blockAt: number) => {
    const { store, clock } = await openVirtualStore(backend, { pollIntervalMs: 20 });
    const name = `wf_prefetch_${++n}`;
    const executions = new Map<string, number>();
    const blocked = gate();
    const reached = gate();
    const count1 = (key: string) => executions.set(key, (executions.get(key) ?? 0) + 1);
    const def = pgqrs.defineWorkflow<number, number>({ name }, async (run, input) => {
      const a = await pgqrs.workflowStep(run, "one", async () => {
        count1(`${input}/one`);
        return input + 1;
      });
      const b = await pgqrs.workflowStep(run, "two", async () => {
        count1(`${input}/two`);
        if (input === blockAt) {
          reached.open();
          await blocked.wait;
        }
        return a * 2;
      });
      return pgqrs.workflowStep(run, "three", async () => {
        count1(`${input}/three`);
        return b - 1;
      });
    });
    await pgqrs.workflow().name(def).create(store);
    const triggers: number[] = [];
    for (let i = 0; i < count; i++) triggers.push((await pgqrs.workflow().name(def).trigger(i).execute(store)).id);
    const consumer = await store.consumer(name);
    return { store, clock, name, def, executions, blocked, reached, triggers, consumer };
  };

  type Setup = Awaited<ReturnType<typeof setup>>;

  /** Every run finished with its output, and each of its steps executed exactly once. */
  const expectAllOnce = async (t: Setup) => {
    for (const [input, id] of t.triggers.entries()) {
      await expect
        .poll(async () => (await pgqrs.workflow().name(t.def).getRun(id, t.store)).status, { timeout: 15_000 })
        .toBe("SUCCESS");
      const run = await pgqrs.workflow().name(t.def).getRun(id, t.store);
      expect(run.output).toBe((input + 1) * 2 - 1);
      // Started once: a start given back with its unrun message does not count as an attempt.
      expect(run.attempts).toBe(1);
      for (const step of ["one", "two", "three"]) expect(t.executions.get(`${input}/${step}`)).toBe(1);
    }
  };

  /** Let the busy run go, expect every run once, then stop the loops (all on `stop`). */
  const releaseAndFinish = async (t: Setup, stop: AbortController, ...loops: Promise<pgqrs.PollLoopEnd>[]) => {
    t.blocked.open();
    await expectAllOnce(t);
    stop.abort();
    for (const loop of loops) expect(await loop).toBe("aborted");
  };

  it("runs every run once, holding runs claimed ahead while one is busy", async () => {
    const t = await setup(40, 20);
    const stop = new AbortController();
    const loop = pgqrs.workflow().name(t.def).consumer(t.consumer).prefetch(8).signal(stop.signal).poll(t.store);
    await t.reached.wait;
    // At concurrency 1, the busy run's message and runs claimed ahead of it.
    await expect.poll(() => t.consumer.heldMessageCount(), { timeout: 15_000 }).toBeGreaterThan(1);
    await releaseAndFinish(t, stop, loop);
    expect(await t.consumer.heldMessageCount()).toBe(0);
  });

  it("claims ahead by default only where statements are network round trips", async () => {
    const t = await setup(30, 15);
    const stop = new AbortController();
    const loop = pgqrs.workflow().name(t.def).consumer(t.consumer).signal(stop.signal).poll(t.store);
    await t.reached.wait;
    if (t.store.capabilities.networkRoundTrips) {
      await expect.poll(() => t.consumer.heldMessageCount(), { timeout: 15_000 }).toBeGreaterThan(1);
    } else {
      expect(await t.consumer.heldMessageCount()).toBe(1);
    }
    await releaseAndFinish(t, stop, loop);
  });

  it("claims only for free slots with prefetch(0)", async () => {
    const t = await setup(30, 15);
    const stop = new AbortController();
    const loop = pgqrs.workflow().name(t.def).consumer(t.consumer).prefetch(0).signal(stop.signal).poll(t.store);
    await t.reached.wait;
    expect(await t.consumer.heldMessageCount()).toBe(1);
    await releaseAndFinish(t, stop, loop);
  });

  it("gives back the runs it claimed ahead, unrun and delivery refunded, when interrupted; another worker runs them", async () => {
    const t = await setup(40, 20);
    const loop = pgqrs.workflow().name(t.def).consumer(t.consumer).prefetch(8).poll(t.store);
    await t.reached.wait;
    await expect.poll(() => t.consumer.heldMessageCount(), { timeout: 15_000 }).toBeGreaterThan(1);
    const ahead = (await pgqrs.admin(t.store).getWorkerMessages(t.consumer.id))
      .filter((m) => m.archivedAt === null)
      .map((m) => m.id);
    await t.consumer.interrupt();
    t.blocked.open();
    expect(await loop).toBe("interrupted");
    expect(await t.consumer.heldMessageCount()).toBe(0);
    // The busy run finished; the ones claimed ahead of it never started a step and are free again, uncounted.
    const given = ahead.filter((id) => id !== t.triggers[20]);
    expect(given.length).toBeGreaterThan(0);
    for (const id of given) {
      const m = await t.store.tables().messages().get(id);
      expect(m).toMatchObject({ archivedAt: null, consumerWorkerId: null, readCt: 0 });
      // Never attempted: where the claim started its run, the run is QUEUED again, with no attempt and no worker
      // (where claims start no runs, the run does not exist yet).
      const run = await t.store.tables().workflowRuns().getByMessageId(id);
      expect({
        status: run?.status ?? "QUEUED",
        attempts: run?.attempts ?? 0,
        workerId: run?.workerId ?? null,
        startedAt: run?.startedAt ?? null,
      }).toEqual({ status: "QUEUED", attempts: 0, workerId: null, startedAt: null });
      expect(t.executions.get(`${t.triggers.indexOf(id)}/one`)).toBeUndefined();
    }
    const other = await t.store.consumer(t.name);
    const stop = new AbortController();
    const helper = pgqrs.workflow().name(t.def).consumer(other).prefetch(0).signal(stop.signal).poll(t.store);
    await expectAllOnce(t);
    stop.abort();
    expect(await helper).toBe("aborted");
  });

  it("gives back runs that waited for a slot too long, so another worker runs them while one is busy", async () => {
    const t = await setup(30, 10);
    const stop = new AbortController();
    const loop = pgqrs.workflow().name(t.def).consumer(t.consumer).prefetch(8).signal(stop.signal).poll(t.store);
    await t.reached.wait;
    await expect.poll(() => t.consumer.heldMessageCount(), { timeout: 15_000 }).toBeGreaterThan(1);
    // No slot freed for STALLED_WAIT_MS: the runs waiting for one go back; only the busy run stays held. The claim
    // that held them is visible in the table before its runs reach the lanes (which arm the stall timer then), so
    // the clock moves on again at each look until they are given back.
    await advanceUntil(t.clock, STALLED_WAIT_MS, () => t.consumer.heldMessageCount(), 1);
    const other = await t.store.consumer(t.name);
    const helper = pgqrs.workflow().name(t.def).consumer(other).prefetch(0).signal(stop.signal).poll(t.store);
    // Everything but the busy run finishes on the other worker, the runs the first one had started included.
    await vi.waitFor(
      async () => {
        const done = await Promise.all(
          t.triggers.map(async (id) => (await pgqrs.workflow().name(t.def).getRun(id, t.store)).status),
        );
        expect(done.filter((s) => s === "SUCCESS")).toHaveLength(29);
      },
      { timeout: 15_000 },
    );
    await releaseAndFinish(t, stop, loop, helper);
  });

  it.each([-1, 1.5, Number.NaN])("refuses prefetch(%s) with VALIDATION_FAILED, writing nothing", async (bad) => {
    const t = await setup(1, -1);
    const poll = () => pgqrs.workflow().name(t.def).consumer(t.consumer).prefetch(bad).poll(t.store);
    expect(await errorCode(poll)).toBe("VALIDATION_FAILED");
    expect((await thrown(poll)).message).toContain("prefetch");
    expect(await t.consumer.status()).toBe("ready");
    const start = () => pgqrs.consumer("w", t.name).handler(t.def, { prefetch: bad }).create(t.store);
    expect(await errorCode(start)).toBe("VALIDATION_FAILED");
    expect((await pgqrs.admin(t.store).listWorkers()).filter((w) => w.name === "w")).toHaveLength(0);
  });

  it("refuses concurrency + prefetch above 10,000 (one claim's bound) with VALIDATION_FAILED", async () => {
    const t = await setup(1, -1);
    const poll = () => pgqrs.workflow().name(t.def).consumer(t.consumer).concurrency(9_999).prefetch(2).poll(t.store);
    expect(await errorCode(poll)).toBe("VALIDATION_FAILED");
    expect((await thrown(poll)).message).toContain("concurrency + prefetch");
    const start = () => pgqrs.consumer("w", t.name).handler(t.def, { concurrency: 9_999, prefetch: 2 }).create(t.store);
    expect(await errorCode(start)).toBe("VALIDATION_FAILED");
    expect(await t.consumer.status()).toBe("ready");
  });
});
