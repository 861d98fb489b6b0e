/**
 * Harness of the workflow-primitive conformance tests (issue 15): a store on a {@link pgqrs.VirtualClock}, workers
 * that stop when their test ends, and {@link drive}, which lets virtual time pass in small steps, up to a cap far
 * below every deadline under test, until a condition on the database holds. A run that must wake "at once" (a
 * `send`, a child's end) is proved to do so by finishing before its deadline: nothing depends on real time.
 */
import { expect, onTestFinished } from "vitest";
import * as pgqrs from "../../src/index.js";
import type { BackendName } from "./backends.js";
import { rawSql } from "./raw-sql.js";
import { rowSnapshot } from "./row-snapshot.js";
import { openVirtualStore } from "./virtual-time.js";

export const DAY_MS = 86_400_000;
/** Poll interval of the workers of these tests, virtual ms. */
export const POLL_MS = 100;
/**
 * The most virtual time {@link drive} lets pass by default: far below the deadlines under test (a day, and the
 * engine's one-hour backstop of waits without a deadline), well above a poll interval or a retry back-off.
 */
export const PROMPT_MS = 5 * 60_000;

export type PrimitivesStore = Awaited<ReturnType<typeof openPrimitives>>;

/** A store on a virtual clock for one test, with helpers. */
export async function openPrimitives(backend: BackendName) {
  // Heartbeats every ~23 days: a day of virtual time passing at once never makes a live worker look like a zombie.
  const t = await openVirtualStore(backend, { pollIntervalMs: POLL_MS, heartbeatIntervalSeconds: 2_000_000 });
  const { store, clock } = t;

  /** Serve `def` with a new consumer until the test ends. Leases last an hour (no lease expires by accident). */
  const serve = async (def: pgqrs.WorkflowDefinition<never, unknown>, options: { concurrency?: number } = {}) => {
    await store.createWorkflow(def.name);
    const consumer = await store.consumer(def.name);
    const loop = pgqrs
      .workflow()
      .name(def as pgqrs.WorkflowDefinition)
      .consumer(consumer)
      .concurrency(options.concurrency ?? 1)
      .withVt(3600)
      .poll(store);
    let stopped = false;
    const stop = async () => {
      if (stopped) return loop;
      stopped = true;
      await consumer.interrupt();
      return loop;
    };
    onTestFinished(async () => {
      if (stopped) return;
      stopped = true;
      // Cleanup only: a worker stuck in a handler must not hang the file.
      await Promise.race([
        consumer.interrupt().then(() => loop),
        new Promise((resolve) => setTimeout(resolve, 5_000)),
      ]).catch(() => undefined);
    });
    return { consumer, loop, stop };
  };

  /** The run of a trigger message, or `null` while none exists. */
  const runOf = async (message: { id: number }) => store.tables().workflowRuns().getByMessageId(message.id);

  /** The run of a trigger message, once `pred` holds for it (driving virtual time up to `maxMs`). */
  const runWhen = async (
    message: { id: number },
    pred: (run: pgqrs.RunRecord) => boolean,
    maxMs = PROMPT_MS,
  ): Promise<pgqrs.RunRecord> => {
    let found: pgqrs.RunRecord | null = null;
    await drive(
      clock,
      async () => {
        found = await runOf(message);
        return found !== null && pred(found);
      },
      { maxMs },
    );
    return found as unknown as pgqrs.RunRecord;
  };

  const byStatus = (status: pgqrs.WorkflowStatus) => (run: pgqrs.RunRecord) => run.status === status;

  /** Rows of the new tables (messages to runs, events) by a raw count, beside the store. */
  const primitiveRows = async (): Promise<{ messages: number; events: number }> => {
    const sql = await rawSql(backend, t.dsn, t.schema);
    try {
      const [m] = await sql.run({
        sqlite: "SELECT COUNT(*) AS n FROM pgqrs_workflow_messages",
        postgres: "SELECT pg_catalog.count(*)::int AS n FROM {{schema}}.pgqrs_workflow_messages",
      });
      const [e] = await sql.run({
        sqlite: "SELECT COUNT(*) AS n FROM pgqrs_workflow_events",
        postgres: "SELECT pg_catalog.count(*)::int AS n FROM {{schema}}.pgqrs_workflow_events",
      });
      return { messages: Number(m?.n), events: Number(e?.n) };
    } finally {
      await sql.close();
    }
  };

  /** Every row a refused call must leave alone: queue messages, workers, runs, steps, run messages and events. */
  const snapshot = async () => JSON.stringify({ rows: await rowSnapshot(store), primitives: await primitiveRows() });

  /** Run `call`, expect a PgqrsError with `code`, and that nothing was written. Returns the error. */
  const expectNothingWritten = async (code: string, call: () => Promise<unknown>) => {
    const before = await snapshot();
    let error: (Error & { code?: string; details?: Record<string, unknown> }) | undefined;
    try {
      await call();
    } catch (err) {
      error = err as Error & { code?: string };
    }
    expect(error, `expected ${code}`).toBeDefined();
    expect(error?.code, String(error)).toBe(code);
    expect(await snapshot()).toBe(before);
    return error as Error & { code?: string; details?: Record<string, unknown> };
  };

  return { ...t, serve, runOf, runWhen, byStatus, primitiveRows, snapshot, expectNothingWritten };
}

/**
 * Wait until `cond` holds, letting virtual time pass in steps of `stepMs` while it does not, up to `maxMs` in all
 * (then the test fails). Between steps the test gives the store a moment of real time to act; a slow machine only
 * makes more virtual time pass, never more than `maxMs`. Resolves with the virtual time that passed.
 */
export async function drive(
  clock: pgqrs.VirtualClock,
  cond: () => Promise<boolean>,
  options: { maxMs?: number; stepMs?: number; graceMs?: number } = {},
): Promise<number> {
  const { maxMs = PROMPT_MS, stepMs = 1_000, graceMs = 30 } = options;
  let advanced = 0;
  for (;;) {
    const end = Date.now() + graceMs;
    do {
      if (await cond()) return advanced;
      await new Promise((resolve) => setTimeout(resolve, 3));
    } while (Date.now() < end);
    const step = Math.min(stepMs, maxMs - advanced);
    if (step <= 0) throw new Error(`condition not met within ${maxMs} ms of virtual time`);
    clock.advance(step);
    advanced += step;
  }
}

/** A fresh name per call, for workflows of one file. */
let names = 0;
export function wfName(prefix: string): string {
  names += 1;
  return `${prefix}_${names}`;
}

/** Executions counted by {@link napWorkflow}: each step body, and the workflow function when `fn` is present. */
export interface NapCalls {
  before: number;
  after: number;
  fn?: number;
}

/**
 * The workflow `name` that runs step "before", sleeps a day ("nap"), runs step "after" and returns "woke",
 * counting executions in `calls`.
 */
export function napWorkflow(name: string, calls: NapCalls) {
  return pgqrs.defineWorkflow({ name }, async (run) => {
    if (calls.fn !== undefined) calls.fn += 1;
    await run.step("before", async () => {
      calls.before += 1;
      return 1;
    });
    await run.sleep("nap", DAY_MS);
    await run.step("after", async () => {
      calls.after += 1;
      return 2;
    });
    return "woke";
  });
}
