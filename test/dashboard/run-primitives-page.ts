/**
 * The setup of the run page tests of the durable workflow primitives (issue 15), on one backend: a store on a manual
 * clock that stands still, real workflows served by real workers until they pause (asleep, paused by their code, a
 * parent waiting for its child, the child waiting for a message), and the two dashboards of the action tests on it.
 * Used by test/dashboard/run-primitives-waits.test.ts and test/dashboard/run-primitives-send.test.ts.
 */
import { afterAll, beforeAll, expect, vi } from "vitest";
import * as pgqrs from "../../src/index.js";
import type { RunRecord, Store, WorkflowDefinition } from "../../src/index.js";
import { startDashboardPair } from "./post-action.js";
import { dropSchema, freshDatabase, type SqliteOrPostgres } from "../support/backends.js";

/** User data full of markup: it must reach the page escaped only. */
export const TOPIC = `ok<img src=x onerror=alert(1)>"&'`;
export const KEY = "<script>alert('key')</script>";
export const EVENT_VALUE = { note: "<b>bold</b>" };
export const PAYLOAD = { approved: true, by: "<i>eve</i>" };
/** The store's manual clock stands still here. */
export const NOW = new Date("2026-01-01T00:00:00.000Z");
export const HOUR = 3_600_000;

export const esc = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");

/** The paused runs of {@link runPrimitivesPage} and what the tests read them with. */
export interface RunPrimitivesPage {
  /** The runs' ids, set once they are paused. */
  readonly ids: { sleeper: number; parent: number; child: number; pauser: number };
  /** The store, the loopback and the guarded dashboard's URLs and the workflows' suffix, set in `beforeAll`. */
  readonly store: Store;
  readonly base: string;
  readonly guarded: string;
  readonly n: number;
  runOf(id: number): Promise<RunRecord>;
  get(path: string): Promise<{ status: number; body: string }>;
  post(
    url: string,
    path: string,
    fields: Record<string, string>,
    headers: Record<string, string>,
  ): Promise<{ status: number; body: { ok?: boolean; message?: string } }>;
}

/**
 * Starts, in `beforeAll` of the calling `describe`, the workflows and the dashboards on a fresh database of `backend`
 * and waits until every run is paused; closes it all in `afterAll`.
 */
export function runPrimitivesPage(backend: SqliteOrPostgres): RunPrimitivesPage {
  const { dsn, schema } = freshDatabase(backend);
  let store: Store;
  let base = "";
  let guarded = "";
  const closers: (() => Promise<unknown>)[] = [];
  const ids = { sleeper: 0, parent: 0, child: 0, pauser: 0 };
  let n = 0;

  const runOf = async (id: number): Promise<RunRecord> => {
    const r = await store.tables().workflowRuns().get(id);
    if (r === null) throw new Error(`run ${id} is missing`);
    return r;
  };
  /** Wait (polling the database, in a hook) until `read` gives a value that `ok` accepts; that value. */
  const until = <T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> =>
    vi.waitFor(
      async () => {
        const v = await read();
        if (!ok(v)) throw new Error(`still waiting for ${what}: ${JSON.stringify(v)}`);
        return v;
      },
      { timeout: 30_000, interval: 20 },
    );
  /** The id of the run of trigger `messageId`, once it is PAUSED. */
  const pausedRunOf = async (messageId: number): Promise<number> => {
    const run = await until(
      () => store.tables().workflowRuns().getByMessageId(messageId),
      (r) => r !== null && (r.status === "PAUSED" || r.completedAt !== null),
      `run of message ${messageId} to pause`,
    );
    // A run that ended instead of pausing fails the setup at once, with its error.
    expect(run?.status, JSON.stringify(run?.error)).toBe("PAUSED");
    return run?.id ?? 0;
  };
  const get = async (path: string): Promise<{ status: number; body: string }> => {
    const res = await fetch(`${base}${path}`);
    return { status: res.status, body: await res.text() };
  };
  const post = async (
    url: string,
    path: string,
    fields: Record<string, string>,
    headers: Record<string, string>,
  ): Promise<{ status: number; body: { ok?: boolean; message?: string } }> => {
    const res = await fetch(`${url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json", ...headers },
      body: new URLSearchParams(fields).toString(),
    });
    const text = await res.text();
    let body: { ok?: boolean; message?: string } = {};
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      body = { message: text };
    }
    return { status: res.status, body };
  };

  beforeAll(async () => {
    n += 1;
    const clock = new pgqrs.ManualClock(NOW);
    store = await pgqrs.connect(dsn, { schema, clock, pollIntervalMs: 10 });
    closers.push(async () => {
      await store.close();
      if (backend === "postgres") await dropSchema(schema);
    });
    await pgqrs.admin(store).install();

    const sleeper = pgqrs.defineWorkflow({ name: `dash_sleeper_${n}` }, async (run) => {
      await run.sleep("nap", HOUR);
      return "rested";
    });
    const pauser = pgqrs.defineWorkflow({ name: `dash_pauser_${n}` }, async () => {
      throw pgqrs.pauseError("out of <b>stock</b>", 2 * HOUR);
    });
    const child = pgqrs.defineWorkflow({ name: `dash_child_${n}` }, async (run) => {
      const got = await run.recv<typeof PAYLOAD>("approval", TOPIC, { timeoutMs: HOUR / 2 });
      return { got };
    });
    const parent = pgqrs.defineWorkflow({ name: `dash_parent_${n}` }, async (run) => {
      await run.setEvent(KEY, EVENT_VALUE);
      const out = await run.callChild("kid", child, { n: 1 });
      await run.setEvent("done", out);
      return out;
    });
    const loops: Promise<unknown>[] = [];
    const consumers: { interrupt(): Promise<unknown> }[] = [];
    const serve = async <I, O>(def: WorkflowDefinition<I, O>) => {
      await pgqrs.workflow().name(def).create(store);
      const consumer = await store.consumer(def.name);
      consumers.push(consumer);
      loops.push(pgqrs.workflow().name(def).consumer(consumer).poll(store));
    };
    await serve(sleeper);
    await serve(pauser);
    await serve(child);
    await serve(parent);
    closers.unshift(async () => {
      for (const c of consumers) await c.interrupt();
      await Promise.all(loops);
    });

    const dashboards = await startDashboardPair(store);
    closers.unshift(dashboards.close);
    ({ base, guarded } = dashboards);

    ids.sleeper = await pausedRunOf((await pgqrs.workflow().name(sleeper).trigger({}).execute(store)).id);
    ids.pauser = await pausedRunOf((await pgqrs.workflow().name(pauser).trigger({}).execute(store)).id);
    ids.parent = await pausedRunOf((await pgqrs.workflow().name(parent).trigger({}).execute(store)).id);
    const parentRun = await until(
      () => runOf(ids.parent),
      (r) => r.waitingFor?.kind === "child",
      "the child wait",
    );
    ids.child = parentRun.waitingFor?.childRunId ?? 0;
    await until(
      () => runOf(ids.child),
      (r) => r.waitingFor?.kind === "message",
      "the child's recv",
    );
  }, 90_000);

  afterAll(async () => {
    for (const close of closers) await close().catch(() => undefined);
  });

  return {
    ids,
    runOf,
    get,
    post,
    get store() {
      return store;
    },
    get base() {
      return base;
    },
    get guarded() {
      return guarded;
    },
    get n() {
      return n;
    },
  };
}
