/**
 * Helpers of the SQLite workflow-primitive tests (sqlite-run-primitives-*.test.ts): backends on a file, closed after
 * the file's tests; a store installed on a fresh file with a second connection to it (as another process would
 * have); and the setups the tests share: a workflow with a registered worker, a triggered run, a RUNNING run whose
 * message that worker holds.
 */
import { afterAll, beforeAll, expect } from "vitest";
import { createSqliteBackend } from "../../src/store/sqlite/sqlite-store.js";
import type { StoreBackend } from "../../src/store/store.js";
import type { QueueMessage, RunRecord } from "../../src/types.js";
import { testClock } from "../support/backend-factories.js";
import { freshSqlitePath, uniqueName } from "../support/backends.js";

/** Returns an opener of backends on a SQLite file; every backend it opened is closed after the file's tests. */
export function sqliteBackendOpener(): (path: string) => StoreBackend {
  const open: StoreBackend[] = [];
  afterAll(async () => {
    for (const b of open) await b.close();
  });
  return (path) => {
    const b = createSqliteBackend({ path, useWal: true, busyTimeoutMs: 5_000 });
    open.push(b);
    return b;
  };
}

/** The `code` of the error `p` rejects with, or undefined when it resolves. */
export async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}

/** One test's own workflow (and its queue) with a registered worker, on its own clock. */
export interface Setup {
  clock: (ms?: number) => Date;
  queueId: number;
  workflowName: string;
  workerId: number;
}

/** The store of a file's tests and the setups they share. */
export interface SqliteRunPrimitives {
  /** The SQLite file. */
  readonly path: string;
  /** The installed store. */
  readonly b: StoreBackend;
  /** A second connection to the same file, as another process would have. */
  readonly other: StoreBackend;
  setUp(): Promise<Setup>;
  trigger(
    s: Setup,
    opts?: { key?: string; parentRunId?: number; at?: number },
  ): Promise<{ message: QueueMessage; run: RunRecord; created: boolean }>;
  /** Trigger a run and claim its message: the run is RUNNING, its message held by the setup's worker. */
  running(s: Setup, opts?: { parentRunId?: number }): Promise<{ run: RunRecord; messageId: number }>;
  messageOf(id: number): Promise<QueueMessage>;
}

/** Install a store on a fresh file for the file's tests (closed after them), with a second connection to it. */
export function useSqliteRunPrimitives(): SqliteRunPrimitives {
  const backendOn = sqliteBackendOpener();
  const path = freshSqlitePath();
  let b: StoreBackend;
  let other: StoreBackend;
  beforeAll(async () => {
    b = backendOn(path);
    await b.install();
    other = backendOn(path);
  });

  async function setUp(): Promise<Setup> {
    const clock = testClock();
    const workflowName = uniqueName("wf");
    const wf = await b.createWorkflow({ name: workflowName, now: clock() });
    const worker = await b.registerWorker({ name: uniqueName("w"), queueId: wf.queueId, now: clock() });
    return { clock, queueId: wf.queueId, workflowName, workerId: worker.id };
  }

  async function trigger(
    s: Setup,
    opts: { key?: string; parentRunId?: number; at?: number } = {},
  ): Promise<{ message: QueueMessage; run: RunRecord; created: boolean }> {
    return b.triggerRun({
      workflowName: s.workflowName,
      payload: '{"input":{"n":1}}',
      idempotencyKey: opts.key ?? null,
      parentRunId: opts.parentRunId ?? null,
      now: s.clock(opts.at ?? 0),
    });
  }

  async function running(
    s: Setup,
    opts: { parentRunId?: number } = {},
  ): Promise<{ run: RunRecord; messageId: number }> {
    const { message } = await trigger(s, opts);
    const [claimed] = await b.dequeue({
      queueId: s.queueId,
      workerId: s.workerId,
      limit: 1,
      leaseMs: 60_000,
      now: s.clock(1),
      maxReadCt: 10,
    });
    expect(claimed?.id).toBe(message.id);
    const run = await b.startRun({ message: claimed!, now: s.clock(1) });
    expect(run.status).toBe("RUNNING");
    return { run, messageId: message.id };
  }

  async function messageOf(id: number): Promise<QueueMessage> {
    return (await b.getMessage(id))!;
  }

  return {
    path,
    get b() {
      return b;
    },
    get other() {
      return other;
    },
    setUp,
    trigger,
    running,
    messageOf,
  };
}
