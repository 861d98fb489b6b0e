import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import * as pgqrs from "../index.js";
import type { Config, Store } from "../index.js";
import { DEMO_WORKFLOW } from "./demo-workflow.js";
import type { Progress } from "./progress.js";

/** What `pgqrs demo --crash` did. */
export interface CrashReport {
  killedPid: number;
  killedWorkerId: number;
  /** ISO time of the SIGKILL. */
  killedAt: string;
  /** Runs RUNNING when the worker died. */
  inFlightRunIds: number[];
  /** Messages the zombie reclaim released. */
  releasedMessages: number;
  /** From the kill to the dead worker being detected by its missing heartbeats. */
  detectedAfterMs: number;
  recoveryPid: number;
  recoveryWorkerId: number;
}

export interface CrashOptions {
  store: Store;
  config: Config;
  concurrency: number;
  failureRate: number;
  runs: number;
  progress: Progress;
  /** Resolves once this many runs (default all) are finished. */
  waitFor: (runs?: number) => Promise<void>;
  log: (line: string) => void;
  /** Stop early: the serving worker process is stopped cleanly (SIGTERM) and this rejects with the reason. */
  signal?: AbortSignal;
}

/** Heartbeat period of the demo's worker processes: a dead one is detected after six missed beats (~1.2 s). */
const HEARTBEAT_SECONDS = 0.2;
const ZOMBIE_AFTER_MS = 1200;

interface WorkerProcess {
  child: ChildProcess;
  workerId: number;
  exited: Promise<number | null>;
}

/**
 * Start a `pgqrs demo-worker` process and wait until it serves. The DSN goes through the environment, never argv:
 * a command line is visible to every user of the machine (`ps`), and the DSN may carry a password.
 */
async function spawnWorker(o: CrashOptions): Promise<WorkerProcess> {
  const args = [
    ...process.execArgv,
    process.argv[1] as string,
    "demo-worker",
    "--schema",
    o.config.schema,
    "--concurrency",
    String(o.concurrency),
    "--failure-rate",
    String(Math.round(o.failureRate * 100)),
  ];
  const child = spawn(process.execPath, args, {
    stdio: ["ignore", "pipe", "inherit"],
    env: {
      ...process.env,
      // PGQRS_DSN is the child's source only when no config file names another database first.
      PGQRS_DSN: o.config.dsn,
      PGQRS_CONFIG_FILE: "",
      PGQRS_LISTEN_DSN: o.config.listenDsn ?? "",
      PGQRS_HEARTBEAT_INTERVAL: String(HEARTBEAT_SECONDS),
      PGQRS_POLL_INTERVAL_MS: "20",
      PGQRS_MAX_READ_CT: String(o.config.maxReadCt),
    },
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const workerId = await new Promise<number>((resolve, reject) => {
    lines.on("line", (line) => {
      const event = JSON.parse(line) as { event: string; workerId?: number };
      if (event.event === "ready") resolve(event.workerId as number);
      if (event.event === "retry") o.progress.retry();
    });
    void exited.then((code) => reject(new Error(`the demo worker process exited (${code}) before serving`)));
  });
  return { child, workerId, exited };
}

/** Serve the demo's runs with a worker process, SIGKILL it a third of the way, and recover with a second one. */
export async function runCrashWorkers(o: CrashOptions): Promise<CrashReport> {
  const admin = pgqrs.admin(o.store);
  const first = await spawnWorker(o);
  o.log(`worker ${first.workerId} (pid ${first.child.pid}) serving`);
  await o.waitFor(Math.ceil(o.runs / 3));
  await stopIfAborted(first, o.signal);
  first.child.kill("SIGKILL");
  await first.exited;
  const killedAt = new Date();
  const inFlight = (await pgqrs.workflow(DEMO_WORKFLOW).runs(o.store, { status: "RUNNING", limit: 10_000 })).map(
    (r) => r.id,
  );
  o.log(`SIGKILL worker ${first.workerId} (pid ${first.child.pid}) with ${inFlight.length} run(s) in flight`);
  // The operator's view: the dead worker stops heartbeating; once it is a zombie its messages are released.
  while (o.signal?.aborted !== true) {
    const zombies = await admin.listZombies({ queue: DEMO_WORKFLOW, olderThanMs: ZOMBIE_AFTER_MS });
    if (zombies.some((w) => w.id === first.workerId)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  o.signal?.throwIfAborted();
  const detectedAfterMs = Date.now() - killedAt.getTime();
  const released = await admin.reclaimMessages(DEMO_WORKFLOW, ZOMBIE_AFTER_MS);
  o.log(`worker ${first.workerId} missed its heartbeats: released ${released} message(s)`);
  const second = await spawnWorker(o);
  o.log(`worker ${second.workerId} (pid ${second.child.pid}) takes over; finished steps are not run again`);
  await o.waitFor();
  await stopIfAborted(second, o.signal);
  second.child.kill("SIGTERM");
  await second.exited;
  return {
    killedPid: first.child.pid as number,
    killedWorkerId: first.workerId,
    killedAt: killedAt.toISOString(),
    inFlightRunIds: inFlight,
    releasedMessages: released,
    detectedAfterMs,
    recoveryPid: second.child.pid as number,
    recoveryWorkerId: second.workerId,
  };
}

/** When `signal` is aborted: stop `worker` as the demo's end does (SIGTERM: its worker row is stopped), then throw. */
async function stopIfAborted(worker: WorkerProcess, signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted !== true) return;
  worker.child.kill("SIGTERM");
  await worker.exited;
  signal.throwIfAborted();
}
