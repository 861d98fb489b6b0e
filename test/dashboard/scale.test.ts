/**
 * No page's size or number of reads grows with the number of queues, workflows, workers, runs or messages. Each
 * page is measured (bytes, backend operations, and on Postgres SQL statements through a counting wrapper on the
 * pool's clients) on a database where every list already fills its pages, and again after it grew five-fold to
 * PGQRS_DASHBOARD_SCALE_QUEUES queues (default 2,000), a fifth of them workflows with runs, and a worker and
 * messages on every other queue.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Store } from "../../src/api/pgqrs-store.js";
import { startDashboard } from "../../src/dashboard/server.js";
import * as pgqrs from "../../src/index.js";
import type { StoreBackend } from "../../src/store/store.js";
import { BACKENDS, type BackendName, dropSchema, freshDatabase } from "../support/backends.js";

const QUEUES = Number(process.env.PGQRS_DASHBOARD_SCALE_QUEUES ?? 2_000);
/** Big enough that every list fills its first two pages (25 queues, 50 workers, 20 definitions a page). */
const SMALL = Math.max(150, Math.floor(QUEUES / 5));

interface Counters {
  ops: number;
  statements: number;
}

/** A store whose backend counts the operations called through it. */
function countingStore(store: Store, counters: Counters): Store {
  const backend = new Proxy(store.context.backend, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        counters.ops += 1;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  }) as StoreBackend;
  return new Store(backend, store.config, store.clock);
}

interface Measure {
  bytes: number;
  ops: number;
  statements: number;
}

describe.each(BACKENDS)("dashboard at scale (%s)", (backend: BackendName) => {
  const counters: Counters = { ops: 0, statements: 0 };
  const cleanups: (() => Promise<unknown>)[] = [];
  let store: Store;
  let view: Store;
  let seeded = 0;
  let workflows = 0;
  let workers = 0;

  beforeAll(async () => {
    const { dsn, schema } = freshDatabase(backend);
    store = await pgqrs.connect(dsn, { schema });
    cleanups.push(() => store.close());
    if (backend === "postgres") cleanups.push(() => dropSchema(schema));
    await pgqrs.admin(store).install();
    let base: Store;
    if (backend === "postgres") {
      const pool = new pg.Pool({ connectionString: dsn, max: 4 });
      pool.on("connect", (client) => {
        const query = client.query.bind(client) as (...a: unknown[]) => unknown;
        (client as unknown as { query: (...a: unknown[]) => unknown }).query = (...a: unknown[]) => {
          counters.statements += 1;
          return query(...a);
        };
      });
      base = await pgqrs.connect(dsn, { schema, pool });
      cleanups.unshift(async () => {
        await base.close();
        await pool.end();
      });
    } else {
      base = await pgqrs.connect(dsn, { schema });
      cleanups.unshift(() => base.close());
    }
    view = countingStore(base, counters);
  }, 120_000);

  afterAll(async () => {
    for (const c of cleanups) await c().catch(() => undefined);
  });

  /** Grow the database to `queues` queues, a fifth of them workflows, with workers, messages and runs. */
  async function grow(queues: number): Promise<void> {
    const admin = pgqrs.admin(store);
    const jobs: (() => Promise<unknown>)[] = [];
    for (let i = seeded; i < queues; i += 1) {
      const name = `q_${String(i).padStart(5, "0")}`;
      jobs.push(async () => {
        if (i % 5 === 0) {
          await store.createWorkflow(name);
          const producer = await store.producer(name, `p_${name}`);
          const consumer = await store.consumer(name, `c_${name}`);
          await producer.enqueueBatch([{ i }, { i }, { i }, { i }]);
          const [a, b, c] = await consumer.dequeue({ batchSize: 3, vtSeconds: 600 });
          for (const m of [a, b]) if (m !== undefined) await (await store.run(m)).start();
          if (c !== undefined) await consumer.archive(c.id);
          workflows += 1;
          workers += 2;
        } else {
          await admin.createQueue(name);
          if (i % 2 === 1) {
            await (await store.producer(name, `p_${name}`)).enqueue({ i });
            workers += 1;
          }
        }
      });
    }
    for (let i = 0; i < jobs.length; i += 16) await Promise.all(jobs.slice(i, i + 16).map((j) => j()));
    seeded = queues;
  }

  /** Every page, each from a fresh dashboard (so no cached aggregate hides a read). */
  async function measure(): Promise<Map<string, Measure>> {
    const queue = await store.getQueue("q_00010");
    const run = await store.tables().workflowRuns().get(1);
    const pages = [
      "/",
      "/?q=q_0001",
      "/?page=1",
      "/workers",
      "/workers?page=1",
      "/workflows",
      "/workflows?dq=q_000",
      `/queues/${queue.id}`,
      `/runs/${run?.id}`,
    ];
    const out = new Map<string, Measure>();
    for (const path of pages) {
      const dashboard = await startDashboard({ store: view, host: "127.0.0.1", port: 0 });
      try {
        counters.ops = 0;
        counters.statements = 0;
        const res = await fetch(`${dashboard.url.replace(/\/$/, "")}${path}`);
        const body = await res.text();
        expect(res.status, path).toBe(200);
        out.set(path, { bytes: Buffer.byteLength(body), ops: counters.ops, statements: counters.statements });
      } finally {
        await dashboard.close();
      }
    }
    return out;
  }

  it(`keeps every page's size and reads flat from ${SMALL} to ${QUEUES} queues`, { timeout: 600_000 }, async () => {
    await grow(SMALL);
    const small = await measure();
    await grow(QUEUES);
    expect(await pgqrs.admin(store).systemStats()).toMatchObject({ totalQueues: QUEUES, totalWorkflows: workflows });
    expect(await store.tables().workers().count()).toBe(workers);
    const large = await measure();
    for (const [path, s] of small) {
      const l = large.get(path);
      expect(l?.ops, `${path} backend operations`).toBe(s.ops);
      expect(l?.statements, `${path} SQL statements`).toBe(s.statements);
      expect(l?.bytes ?? Infinity, `${path} bytes`).toBeLessThan(s.bytes * 1.1 + 2_000);
      expect(l?.bytes ?? Infinity, `${path} bytes`).toBeLessThan(120_000);
      expect(s.ops, path).toBeLessThanOrEqual(12);
    }
    // The overview shows one page of queues and says how many there are.
    const overview = await (await fetch(`${await urlOnce()}`)).text();
    expect(overview).toContain(`of ${QUEUES.toLocaleString("en-US")}`);
  });

  async function urlOnce(): Promise<string> {
    const dashboard = await startDashboard({ store: view, host: "127.0.0.1", port: 0 });
    cleanups.unshift(() => dashboard.close());
    return dashboard.url;
  }
});
