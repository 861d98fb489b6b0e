/**
 * Helpers of the workflow-primitive contract tests (run-primitives-contract-*.test.ts): the file's store of one
 * backend on a fresh clock per test, and the setups the tests share: a workflow with a registered worker, a trigger, a
 * claim that starts the run, a RUNNING run whose message its worker holds, and its suspension.
 */
import { beforeEach, expect } from "vitest";
import type { StoreBackend } from "../../src/store/store.js";
import type { QueueMessage, RunRecord, WorkerRecord, WorkflowRecord } from "../../src/types.js";
import { type BackendFactory, testClock, useBackend } from "../support/backend-factories.js";
import { uniqueName } from "../support/backends.js";

export const HOUR = 3_600_000;

export { codeOf } from "./backend-contract-support.js";

/** The store of a file's tests (one backend), the test's clock and the setups the tests share. */
export interface RunPrimitivesContract {
  /** The store, installed once for the file. */
  readonly b: StoreBackend;
  /** A fresh clock for each test. */
  readonly t: (ms?: number) => Date;
  flow(): Promise<{ wf: WorkflowRecord; worker: WorkerRecord }>;
  trigger(
    wf: WorkflowRecord,
    opts?: { key?: string; parent?: number; input?: unknown },
  ): Promise<{ message: QueueMessage; run: RunRecord; created: boolean }>;
  /** Claim the workflow's next trigger as `worker`: the run RUNNING (its waiting_for cleared), its message held. */
  claim(queueId: number, worker: WorkerRecord, at?: Date): Promise<RunRecord>;
  /** A RUNNING run whose message `worker` holds. */
  running(opts?: { parent?: number }): Promise<{ wf: WorkflowRecord; worker: WorkerRecord; run: RunRecord }>;
  suspend(
    run: RunRecord,
    worker: WorkerRecord,
    wait: Record<string, unknown>,
    until: Date,
    wakeIf?: never[],
  ): ReturnType<StoreBackend["suspendRun"]>;
}

/** Open the factory's backend for the file's tests, with a fresh clock before each test. */
export function useRunPrimitivesContract(factory: BackendFactory): RunPrimitivesContract {
  const backend = useBackend(factory);
  let b: StoreBackend;
  let t: (ms?: number) => Date;
  beforeEach(() => {
    b = backend();
    t = testClock();
  });

  async function flow(): Promise<{ wf: WorkflowRecord; worker: WorkerRecord }> {
    const wf = await b.createWorkflow({ name: uniqueName("wf"), now: t() });
    const worker = await b.registerWorker({ name: uniqueName("w"), queueId: wf.queueId, now: t() });
    return { wf, worker };
  }

  async function trigger(wf: WorkflowRecord, opts: { key?: string; parent?: number; input?: unknown } = {}) {
    return b.triggerRun({
      workflowName: wf.name,
      payload: JSON.stringify({ input: opts.input ?? 1 }),
      idempotencyKey: opts.key ?? null,
      parentRunId: opts.parent ?? null,
      now: t(),
    });
  }

  async function claim(queueId: number, worker: WorkerRecord, at = t()): Promise<RunRecord> {
    const p = { queueId, workerId: worker.id, limit: 1, leaseMs: 30_000, now: at, maxReadCt: 5 };
    let run: RunRecord | null | undefined;
    if (b.dequeueAndStartRuns !== undefined) {
      run = (await b.dequeueAndStartRuns(p))[0]?.run;
    } else {
      const [message] = await b.dequeue(p);
      run = message === undefined ? null : await b.startRun({ message, now: at });
    }
    expect(run?.status).toBe("RUNNING");
    return run!;
  }

  async function running(opts: { parent?: number } = {}) {
    const { wf, worker } = await flow();
    await trigger(wf, opts);
    const run = await claim(wf.queueId, worker);
    return { wf, worker, run };
  }

  async function suspend(
    run: RunRecord,
    worker: WorkerRecord,
    wait: Record<string, unknown>,
    until: Date,
    wakeIf: never[] = [],
  ) {
    return b.suspendRun({
      runId: run.id,
      messageId: run.messageId,
      workerId: worker.id,
      now: t(10),
      waitingFor: JSON.stringify(wait),
      until,
      wakeIf,
    });
  }

  return {
    get b() {
      return b;
    },
    get t() {
      return t;
    },
    flow,
    trigger,
    claim,
    running,
    suspend,
  };
}
