/**
 * The pluggable logger (issue 19 item 7): silent by default, `connect(dsn, { logger })` with pino's call shape
 * `(fields, message)`, and the places that used to swallow failures now log them, on both backends.
 */
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { queueMaintenanceTask } from "../../src/queue/queue-maintenance.js";
import { enqueueChannel } from "../../src/store/postgres/postgres-listener.js";
import { HeartbeatRegistry } from "../../src/workers/heartbeat-registry.js";
import { StoreTasks } from "../../src/workers/store-tasks.js";
import pg from "pg";
import { BACKENDS, postgresDsn } from "../support/backends.js";
import { thrown } from "../support/stores.js";
import { capturingLogger, openLoggedStore, PinoShapedLogger } from "./logger-support.js";

describe("the logger option", () => {
  it("is silent by default and refuses an object that is not a logger", async () => {
    expect(pgqrs.silentLogger.warn({ a: 1 }, "nothing")).toBeUndefined();
    const err = await thrown(() =>
      pgqrs.connect("sqlite::memory:", { logger: { info: () => undefined } as unknown as pgqrs.Logger }),
    );
    expect(err.code).toBe("INVALID_CONFIG");
    expect(err.message).toContain("debug, info, warn and error");
  });
});

describe.each(BACKENDS)("logging on %s", (backend) => {
  it("workers registered, moved and stopped are logged at debug with their id, name and queue", async () => {
    const logger = capturingLogger();
    const { store } = await openLoggedStore(backend, logger);
    await store.queue("emails");
    const consumer = await pgqrs.consumer("worker-1", "emails").create(store);
    await consumer.suspend();
    await consumer.shutdown();
    const registered = logger.find(/worker registered/);
    expect(registered).toMatchObject({ level: "debug", fields: { workerId: consumer.id, worker: "worker-1" } });
    expect(logger.find(/worker is now suspended/)?.fields).toMatchObject({ operation: "suspend" });
    expect(logger.find(/worker is now stopped/)?.level).toBe("debug");
  });

  it("a failing store job is a warning naming the job, and the other jobs still run", async () => {
    const logger = capturingLogger();
    const { store } = await openLoggedStore(backend, logger);
    let ran = 0;
    const tasks = new StoreTasks(store.context, [
      { name: "broken", everyMs: 1000, run: () => Promise.reject(new Error("disk on fire")) },
      { name: "fine", everyMs: 1000, run: async () => ran++ },
    ]);
    await tasks.runNow();
    expect(ran).toBe(1);
    const line = logger.find(/store maintenance job 'broken' failed/);
    expect(line?.level).toBe("warn");
    expect(line?.fields.job).toBe("broken");
    expect((line?.fields.err as Error | undefined)?.message).toBe("disk on fire");
  });

  it("a retention round is logged (debug when it had nothing to delete)", async () => {
    const logger = capturingLogger();
    const { store } = await openLoggedStore(backend, logger);
    const retention = new StoreTasks(store.context).runNow();
    await retention;
    const line = logger.find(/retention round/);
    expect(line).toMatchObject({ level: "debug", fields: { job: "retention", messages: 0, runs: 0 } });
  });

  it("queue maintenance: a failed round is a warning naming the queue; dead-lettering is a warning", async () => {
    const logger = capturingLogger();
    const clock = new pgqrs.ManualClock(new Date("2026-01-01T00:00:00Z"));
    const { store } = await openLoggedStore(backend, logger, { clock, maxReadCt: 1 });
    await store.queue("jobs");
    const consumer = await pgqrs.consumer("c-1", "jobs").create(store);
    await pgqrs.enqueue().message({ n: 1 }).to("jobs").execute(store);
    const [m] = await consumer.dequeue({ batchSize: 1 });
    expect(m).toBeDefined();
    // The only attempt's lease expires: the next round dead-letters the message.
    clock.advance(60_000);
    await queueMaintenanceTask(store.context, consumer).run();
    const dead = logger.find(/dead-lettered/);
    expect(dead).toMatchObject({ level: "warn", fields: { queue: "jobs", messageIds: [m?.id] } });

    // A round that fails (here: the database is gone) is logged where the queue is known, and still rejects so
    // the loop's onError sees it.
    await store.close();
    await expect(queueMaintenanceTask(store.context, consumer).run()).rejects.toThrow();
    const failed = logger.find(/queue maintenance round failed/);
    expect(failed).toMatchObject({ level: "warn", fields: { queue: "jobs", workerId: consumer.id } });
  });

  it("a failed heartbeat and a worker whose row is gone are warnings", async () => {
    const logger = capturingLogger();
    const { store } = await openLoggedStore(backend, logger);
    await store.queue("hb");
    const consumer = await pgqrs.consumer("hb-1", "hb").create(store);
    const registry = new HeartbeatRegistry(store.context.backend, store.clock, 0, logger);
    let lost = 0;
    registry.add(consumer.id, () => lost++);
    registry.add(999_999, () => lost++);
    await registry.beatNow();
    expect(lost).toBe(1);
    expect(logger.find(/worker row is gone/)?.fields).toEqual({ workerId: 999_999 });
    await store.close();
    await registry.beatNow();
    const failed = logger.find(/heartbeat failed/);
    expect(failed?.level).toBe("warn");
    expect((failed?.fields.err as pgqrs.PgqrsError | undefined)?.code).toBe("STORE_CLOSED");
  });

  it("a pino-shaped logger works as is: methods called on the object, fields and err serialised", async () => {
    const pino = new PinoShapedLogger({ service: "billing" });
    const { store } = await openLoggedStore(backend, pino);
    await store.queue("pino");
    const consumer = await pgqrs.consumer("p-1", "pino").create(store);
    await new StoreTasks(store.context, [
      { name: "broken", everyMs: 1000, run: () => Promise.reject(new Error("boom")) },
    ]).runNow();
    expect(pino.records).toContainEqual(
      expect.objectContaining({
        level: 20,
        service: "billing",
        workerId: consumer.id,
        msg: "pgqrs: worker registered",
      }),
    );
    expect(pino.records).toContainEqual(
      expect.objectContaining({ level: 40, job: "broken", err: expect.objectContaining({ message: "boom" }) }),
    );
  });

  it("a logger that throws never breaks the work it reports on", async () => {
    const throwing: pgqrs.Logger = {
      debug: () => {
        throw new Error("sink closed");
      },
      info: () => {
        throw new Error("sink closed");
      },
      warn: () => {
        throw new Error("sink closed");
      },
      error: () => {
        throw new Error("sink closed");
      },
    };
    const { store } = await openLoggedStore(backend, throwing);
    await store.queue("safe");
    const consumer = await pgqrs.consumer("s-1", "safe").create(store);
    await consumer.suspend();
    await consumer.shutdown();
    expect(await consumer.status()).toBe("stopped");
  });
});

describe("logging of the LISTEN connection (postgres)", () => {
  it("a dropped LISTEN connection is a warning, and its return is logged at debug", async () => {
    const logger = capturingLogger();
    const { store, schema } = await openLoggedStore("postgres", logger);
    const q = await store.queue("wake");
    const unsubscribe = await store.context.backend.listen?.({ queueId: q.id, onNotify: () => undefined });
    const channel = enqueueChannel(schema);
    // Ends the listener's session from the server side, as a restart or a proxy timeout would.
    const admin = new pg.Client({ connectionString: postgresDsn() });
    await admin.connect();
    await admin.query("SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity WHERE query = $1", [
      `LISTEN "${channel}"`,
    ]);
    await admin.end();
    await expect.poll(() => logger.find(/LISTEN connection lost/)?.level, { timeout: 10_000 }).toBe("warn");
    await expect.poll(() => logger.find(/LISTEN connection is back/)?.level, { timeout: 10_000 }).toBe("debug");
    await unsubscribe?.();
  });
});
