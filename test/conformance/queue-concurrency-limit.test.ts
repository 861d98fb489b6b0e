/**
 * Queue controls, a concurrency limit across processes (issue 17 item 6): `createQueue(name, { concurrencyLimit })`
 * / `updateQueue`: never more messages of the queue leased at once than the limit, whatever the consumers and
 * processes; and the limit is reached (the handlers' own log shows it).
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { stopChild } from "../fixtures/queue-controls-spawn.js";
import { EVERY_BACKEND, manyProcesses } from "../support/backends.js";
import { spawnFixture } from "../support/child.js";
import { openTestStore } from "../support/stores.js";
import { gate, openVirtualStore, untilTimerAt } from "../support/virtual-time.js";

const WORKER = fileURLToPath(new URL("../fixtures/queue-controls-limited-worker.ts", import.meta.url));

/** The log's events in order: which handlers started and ended, and the most that ran at once. */
function readLog(path: string): { started: number[]; ended: Set<number>; running: number[]; maxRunning: number } {
  const started: number[] = [];
  const ended = new Set<number>();
  const running = new Set<number>();
  let maxRunning = 0;
  const text = (() => {
    try {
      return readFileSync(path, "utf8");
    } catch {
      return "";
    }
  })();
  for (const line of text.split("\n")) {
    const [kind, idText] = line.split(" ");
    const id = Number(idText);
    if (kind === "start") {
      started.push(id);
      running.add(id);
      maxRunning = Math.max(maxRunning, running.size);
    } else if (kind === "end") {
      ended.add(id);
      running.delete(id);
    }
  }
  return { started, ended, running: [...running], maxRunning };
}

/**
 * Release the handlers of one backend's queue one at a time (oldest first) and check the log at each step: never
 * more than `limit` running, and `limit` running whenever that much work is waiting.
 */
async function driveLimitedQueue(store: pgqrs.Store, dir: string, limit: number, total: number): Promise<void> {
  const log = join(dir, "handlers.log");
  const released = new Set<number>();
  const runningAtRelease: number[] = [];
  while (released.size < total) {
    // Work is waiting and slots are free under the limit: the loops must fill the limit.
    const want = Math.min(limit, total - released.size);
    await expect
      .poll(
        () => {
          const now = readLog(log);
          return [...released].every((id) => now.ended.has(id)) && now.running.length >= want;
        },
        { timeout: 30_000 },
      )
      .toBe(true);
    const now = readLog(log);
    runningAtRelease.push(now.running.length);
    expect(now.maxRunning, "handlers running at once").toBeLessThanOrEqual(limit);
    const oldest = now.started.find((id) => !now.ended.has(id)) as number;
    released.add(oldest);
    writeFileSync(join(dir, String(oldest)), "");
  }
  await expect
    .poll(async () => (await pgqrs.admin(store).queueMetrics("limited")).archivedMessages, { timeout: 30_000 })
    .toBe(total);
  const final = readLog(log);
  expect(final.started).toHaveLength(total);
  expect(new Set(final.started).size).toBe(total);
  expect(final.maxRunning).toBe(limit);
  expect(runningAtRelease.slice(0, total - limit + 1).every((n) => n === limit)).toBe(true);
}

describe("queue concurrency limit across processes", () => {
  it("4 processes, 8 loops per backend, limit 3: never more than 3 handlers at once, and 3 whenever work waits", async () => {
    const LIMIT = 3;
    const TOTAL = 9;
    const targets = await Promise.all(
      EVERY_BACKEND.filter(manyProcesses).map(async (backend) => {
        const t = await openTestStore(backend, { clock: pgqrs.systemClock });
        await pgqrs.admin(t.store).createQueue("limited", { concurrencyLimit: LIMIT });
        await (await t.store.producer("limited")).enqueueBatch(Array.from({ length: TOTAL }, (_, i) => ({ i })));
        const dir = mkdtempSync(join(tmpdir(), `pgqrs-limit-${backend}-`));
        writeFileSync(join(dir, "handlers.log"), "");
        return { ...t, dir };
      }),
    );
    const children: ChildProcess[] = [];
    afterAll(() => {
      for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
    });
    // Each process serves both backends: 2 loops of 2 handlers on each.
    const args = ["limited", "2", "2", ...targets.flatMap((t) => [t.dsn, t.schema, t.dir])];
    const spawned = await Promise.all(Array.from({ length: 4 }, () => spawnFixture<{ ready: number[] }>(WORKER, args)));
    for (const s of spawned) children.push(s.child);
    expect(spawned.flatMap((s) => s.first.ready)).toHaveLength(8 * targets.length);
    await Promise.all(targets.map((t) => driveLimitedQueue(t.store, t.dir, LIMIT, TOTAL)));
    await Promise.all(children.map(stopChild));
  }, 180_000);
});

/**
 * A handler that holds each message until the test opens its gate: while it runs, `running` maps its payload to the
 * function that lets it finish; `started` runs once it is in the map.
 */
function heldUntilOpened(
  running: Map<unknown, () => void>,
  started: () => void = () => {},
): pgqrs.MessageHandler<unknown> {
  return async (m) => {
    const g = gate();
    running.set(m.payload, g.open);
    started();
    await g.wait;
    running.delete(m.payload);
  };
}

describe.each(EVERY_BACKEND)("queue concurrency limit on %s", (backend) => {
  it("updateQueue raises and clears the limit for running loops", async () => {
    const POLL = 100;
    const { store, clock } = await openVirtualStore(backend);
    await pgqrs.admin(store).createQueue("adjust", { concurrencyLimit: 1 });
    await (await store.producer("adjust")).enqueueBatch(["a", "b", "c", "d"]);
    const running = new Map<unknown, () => void>();
    let maxRunning = 0;
    const ctl = new AbortController();
    const consumers = [await store.consumer("adjust"), await store.consumer("adjust")];
    const loops = consumers.map((consumer) =>
      pgqrs
        .dequeue()
        .worker(consumer)
        .concurrency(2)
        .pollInterval(POLL)
        .signal(ctl.signal)
        .handle(
          heldUntilOpened(running, () => {
            maxRunning = Math.max(maxRunning, running.size);
          }),
        )
        .poll(store),
    );
    const settle = async (n: number) => {
      // Let every loop poll a few times; the count must stay put.
      for (let i = 0; i < 3; i += 1) {
        clock.advance(POLL);
        await untilTimerAt(clock, POLL);
      }
      await expect.poll(() => running.size, { timeout: 15_000 }).toBe(n);
    };
    await expect.poll(() => running.size, { timeout: 15_000 }).toBe(1);
    await settle(1);
    expect(maxRunning).toBe(1);
    expect((await pgqrs.admin(store).queueMetrics("adjust")).leasedMessages).toBe(1);
    await pgqrs.admin(store).updateQueue("adjust", { concurrencyLimit: 2 });
    clock.advance(POLL);
    await expect.poll(() => running.size, { timeout: 15_000 }).toBe(2);
    await settle(2);
    expect(maxRunning).toBe(2);
    await pgqrs.admin(store).updateQueue("adjust", { concurrencyLimit: null });
    // Without a limit the two loops (2 handlers each) take the rest; maintenance refreshes their view.
    for (let i = 0; i < 60 && running.size < 4; i += 1) {
      clock.advance(1_000);
      // A loop with every slot busy does not sleep for its poll interval.
      await expect.poll(() => running.size === 4 || clock.pending().includes(POLL), { timeout: 15_000 }).toBe(true);
    }
    expect(running.size).toBe(4);
    for (const open of running.values()) open();
    await expect
      .poll(async () => (await pgqrs.admin(store).queueMetrics("adjust")).archivedMessages, {
        timeout: 15_000,
      })
      .toBe(4);
    ctl.abort();
    await Promise.all(loops);
  });

  it("a limit lowered below the leased count lets no new claim in until it is back under", async () => {
    const POLL = 100;
    const { store, clock } = await openVirtualStore(backend);
    await pgqrs.admin(store).createQueue("lower", { concurrencyLimit: 3 });
    await (await store.producer("lower")).enqueueBatch(["a", "b", "c", "d", "e"]);
    const running = new Map<unknown, () => void>();
    const ctl = new AbortController();
    const loop = pgqrs
      .dequeue()
      .from("lower")
      .concurrency(5)
      .pollInterval(POLL)
      .signal(ctl.signal)
      .handle(heldUntilOpened(running))
      .poll(store);
    await expect.poll(() => running.size, { timeout: 15_000 }).toBe(3);
    await pgqrs.admin(store).updateQueue("lower", { concurrencyLimit: 1 });
    // Two finish: 1 still leased = the limit, so nothing new starts.
    const [first, second] = [...running.values()];
    first?.();
    second?.();
    await expect.poll(() => running.size, { timeout: 15_000 }).toBe(1);
    for (let i = 0; i < 3; i += 1) {
      clock.advance(POLL);
      await untilTimerAt(clock, POLL);
    }
    expect(running.size).toBe(1);
    expect((await pgqrs.admin(store).queueMetrics("lower")).leasedMessages).toBe(1);
    [...running.values()][0]?.();
    clock.advance(POLL);
    await expect.poll(() => running.size, { timeout: 15_000 }).toBe(1);
    await expect
      .poll(async () => (await pgqrs.admin(store).queueMetrics("lower")).archivedMessages, { timeout: 15_000 })
      .toBe(3);
    ctl.abort();
    for (const open of running.values()) open();
    await loop;
  });

  it("a consumer whose view of the queue predates the limit claims nothing (never exceeds it)", async () => {
    const { store } = await openTestStore(backend);
    await pgqrs.admin(store).createQueue("stale");
    await (await store.producer("stale")).enqueueBatch([1, 2, 3, 4]);
    const stale = await store.consumer("stale");
    await pgqrs.admin(store).updateQueue("stale", { concurrencyLimit: 2 });
    const fresh = await store.consumer("stale");
    expect((await fresh.dequeue({ batchSize: 4, vtSeconds: 600 })).length).toBe(2);
    expect(await fresh.dequeue({ batchSize: 4, vtSeconds: 600 })).toEqual([]);
    expect(await stale.dequeue({ batchSize: 4, vtSeconds: 600 })).toEqual([]);
    expect((await pgqrs.admin(store).queueMetrics("stale")).leasedMessages).toBe(2);
    // A batch claim of a limited queue takes what the limit allows, no more.
    const held = (await store.tables().messages().list({ state: "active" })).filter((m) => m.consumerWorkerId !== null);
    expect(held.map((m) => m.consumerWorkerId)).toEqual([fresh.id, fresh.id]);
    expect(await fresh.archive(held[0]!.id)).toBe(true);
    expect((await fresh.dequeue({ batchSize: 4, vtSeconds: 600 })).length).toBe(1);
    expect((await pgqrs.admin(store).queueMetrics("stale")).leasedMessages).toBe(2);
  });

  it("an expired lease no longer counts toward the limit", async () => {
    const { store, clock } = await openTestStore(backend);
    await pgqrs.admin(store).createQueue("expiring", { concurrencyLimit: 1 });
    await (await store.producer("expiring")).enqueueBatch([1, 2]);
    const a = await store.consumer("expiring");
    const b = await store.consumer("expiring");
    expect(await a.dequeue({ vtSeconds: 10 })).toHaveLength(1);
    expect(await b.dequeue({ vtSeconds: 10 })).toEqual([]);
    clock.advance(10_001);
    expect(await b.dequeue({ vtSeconds: 10 })).toHaveLength(1);
    expect(await a.dequeue({ vtSeconds: 10 })).toEqual([]);
  });

  it("a limit set while a loop runs: this store's enqueues are not handed to it past the limit", async () => {
    const POLL = 100;
    const { store, clock } = await openVirtualStore(backend);
    await pgqrs.admin(store).createQueue("handoff");
    const producer = await store.producer("handoff");
    await producer.enqueue("first");
    const running = new Map<unknown, () => void>();
    const ctl = new AbortController();
    const loop = pgqrs
      .dequeue()
      .worker(await store.consumer("handoff"))
      .concurrency(2)
      .pollInterval(POLL)
      .signal(ctl.signal)
      .handle(heldUntilOpened(running))
      .poll(store);
    await expect.poll(() => running.size, { timeout: 15_000 }).toBe(1);
    await untilTimerAt(clock, POLL);
    await pgqrs.admin(store).updateQueue("handoff", { concurrencyLimit: 1 });
    // The loop has a free slot and thinks the queue has no limit; the insert must not lease the message to it.
    const second = await producer.enqueue("second");
    for (let i = 0; i < 3; i += 1) {
      clock.advance(POLL);
      await untilTimerAt(clock, POLL);
    }
    expect([...running.keys()]).toEqual(["first"]);
    expect((await store.tables().messages().get(second.id))?.consumerWorkerId).toBeNull();
    expect((await pgqrs.admin(store).queueMetrics("handoff")).leasedMessages).toBe(1);
    running.get("first")?.();
    for (let i = 0; i < 60 && !running.has("second"); i += 1) {
      clock.advance(1_000);
      await expect.poll(() => running.has("second") || clock.pending().includes(POLL), { timeout: 15_000 }).toBe(true);
    }
    expect([...running.keys()]).toEqual(["second"]);
    ctl.abort();
    running.get("second")?.();
    await loop;
  });
});
