/**
 * Drives a queue drain through real worker (and producer) processes on the fault cluster while a fault routine
 * runs, then counts from the database and the handlers' execution log: messages in, archived, lost, and duplicate
 * executions, each of which must have happened under a distinct lease (a lease that was truly lost).
 */
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pgqrs from "../../../src/index.js";
import { spawnFixture } from "../../support/child.js";
import { adminQuery, faultDsn, uniqueSchema } from "./fault-env.js";

const WORKER = "test/fixtures/fault-queue-worker.ts";
const PRODUCER = "test/fixtures/fault-producer.ts";
const QUEUE = "drain";

export interface DrainContext {
  schema: string;
  /** Live worker processes. */
  workers: ChildProcess[];
  /** SIGKILL one live worker at random and start a replacement (in the background). */
  killAndReplace(): Promise<void>;
  /** True once every expected message is archived and the producers are done. */
  done(): boolean;
  /** Milliseconds since the drain started. */
  elapsed(): number;
  /** Messages archived so far (read from the database). */
  archived(): Promise<number>;
}

export interface DrainOptions {
  preload: number;
  producers?: { count: number; perProducer: number };
  workers: number;
  concurrency: number;
  vtSeconds: number;
  /** DSN the worker processes use (default: the fault cluster's). */
  workerDsn?: string;
  /** Runs alongside the drain; returns how many faults it injected. */
  inject: (ctx: DrainContext) => Promise<number>;
  timeoutMs: number;
}

export interface DrainResult {
  faultsInjected: number;
  messagesIn: number;
  archived: number;
  lost: number;
  duplicateExecutions: number;
  /** Duplicated messages whose executions did not each hold a distinct lease (must be 0). */
  duplicatesUnderOneLease: number;
  /** Message rows beyond one per acknowledged key: a retried enqueue whose first attempt had committed. */
  producerDuplicates: number;
  producerRetries: number;
  producerErrorCodes: Record<string, number>;
  workerExitsUnplanned: number;
  unplannedExitReasons: string[];
  seconds: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runDrain(opts: DrainOptions): Promise<DrainResult> {
  const started = Date.now();
  const schema = uniqueSchema("fault");
  const dir = mkdtempSync(join(tmpdir(), "pgqrs-fault-"));
  const log = join(dir, "executions.log");
  const setup = await pgqrs.connect(faultDsn(), { schema });
  await pgqrs.admin(setup).install();
  await pgqrs.admin(setup).createQueue(QUEUE);
  const producer = await setup.producer(QUEUE);
  for (let i = 0; i < opts.preload; i += 500) {
    const n = Math.min(500, opts.preload - i);
    await producer.enqueueBatch(Array.from({ length: n }, (_, k) => ({ k: `pre-${i + k}` })));
  }
  await setup.close();

  const killed = new Set<ChildProcess>();
  const unplanned: string[] = [];
  const workers: ChildProcess[] = [];
  const workerArgs = [
    opts.workerDsn ?? faultDsn(),
    schema,
    QUEUE,
    log,
    String(opts.concurrency),
    String(opts.vtSeconds),
  ];
  const spawnWorker = async (): Promise<void> => {
    const { child } = await spawnFixture<{ ready: boolean }>(WORKER, workerArgs);
    let stderr = "";
    child.stderr?.on("data", (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-6000);
    });
    child.once("exit", (code, signal) => {
      workers.splice(workers.indexOf(child), 1);
      if (!killed.has(child))
        unplanned.push(`worker ${child.pid} exited (${code ?? signal}): ${stderr.slice(0, 3000)}`);
    });
    workers.push(child);
  };
  await Promise.all(Array.from({ length: opts.workers }, spawnWorker));

  const producerRuns: Promise<{ retried: number; errors: Record<string, number> }>[] = [];
  const producersReady: Promise<unknown>[] = [];
  const ackFiles: string[] = [];
  for (let p = 0; p < (opts.producers?.count ?? 0); p++) {
    const ackFile = join(dir, `acks-${p}.log`);
    ackFiles.push(ackFile);
    const args = [faultDsn(), schema, QUEUE, `p${p}`, String(opts.producers?.perProducer ?? 0), ackFile];
    const spawned = spawnFixture<{ ready: boolean }>(PRODUCER, args);
    producersReady.push(spawned);
    producerRuns.push(
      spawned.then(
        ({ child }) =>
          new Promise((resolve, reject) => {
            let last = "";
            child.stdout?.on("data", (d: Buffer) => {
              last += d.toString();
            });
            child.once("exit", (code) => {
              const summary = JSON.parse(last.trim().split("\n").at(-1) ?? "{}") as {
                retried?: number;
                errors?: Record<string, number>;
              };
              if (code === 0) resolve({ retried: summary.retried ?? 0, errors: summary.errors ?? {} });
              else reject(new Error(`producer exited with ${code}: ${last}`));
            });
          }),
      ),
    );
  }
  let producersDone = producerRuns.length === 0;
  const producerSummaries = Promise.all(producerRuns).finally(() => {
    producersDone = true;
  });
  producerSummaries.catch(() => undefined);

  const expected = opts.preload + (opts.producers?.count ?? 0) * (opts.producers?.perProducer ?? 0);
  let finished = false;
  const spawning = new Set<Promise<void>>();
  const ctx: DrainContext = {
    schema,
    workers,
    async killAndReplace() {
      const victim = workers[Math.floor(Math.random() * workers.length)];
      if (victim !== undefined && victim.exitCode === null) {
        killed.add(victim);
        const gone = new Promise((r) => victim.once("exit", r));
        victim.kill("SIGKILL");
        await gone;
      }
      const spawned: Promise<void> = spawnWorker().finally(() => spawning.delete(spawned));
      spawning.add(spawned);
    },
    done: () => finished,
    elapsed: () => Date.now() - started,
    async archived() {
      const [row] = await adminQuery<{ n: string }>(
        `SELECT count(*) AS n FROM "${schema}".pgqrs_messages WHERE archived_at IS NOT NULL`,
      );
      return Number(row?.n ?? 0);
    },
  };
  // Faults hit running processes: a fixture still starting up is not what the scenarios are about.
  await Promise.allSettled(producersReady);
  const injecting = opts.inject(ctx);
  const deadline = started + opts.timeoutMs;
  while (Date.now() < deadline) {
    await sleep(250);
    if (!producersDone) continue;
    const [row] = await adminQuery<{ open: string; total: string }>(
      `SELECT count(*) FILTER (WHERE archived_at IS NULL) AS open, count(*) AS total FROM "${schema}".pgqrs_messages`,
    );
    if (Number(row?.open) === 0 && Number(row?.total) >= expected) break;
  }
  finished = true;
  const faultsInjected = await injecting;
  const summaries = await producerSummaries;
  await Promise.allSettled([...spawning]);
  for (const w of [...workers]) {
    killed.add(w);
    const gone = new Promise((r) => w.once("exit", r));
    w.kill("SIGTERM");
    await Promise.race([gone, sleep(5000).then(() => w.kill("SIGKILL"))]);
  }

  const rows = await adminQuery<{ id: string; k: string; archived: boolean; read_ct: number }>(
    `SELECT id, payload->>'k' AS k, archived_at IS NOT NULL AS archived, read_ct FROM "${schema}".pgqrs_messages`,
  );
  const acked = new Set<string>(Array.from({ length: opts.preload }, (_, i) => `pre-${i}`));
  for (const f of ackFiles) {
    if (!existsSync(f)) continue;
    for (const line of readFileSync(f, "utf8").split("\n").filter(Boolean)) acked.add(line.split(" ")[0] as string);
  }
  const archivedKeys = new Set(rows.filter((r) => r.archived).map((r) => r.k));
  const lost = [...acked].filter((k) => !archivedKeys.has(k)).length;
  const keyRows = new Map<string, number>();
  for (const r of rows) keyRows.set(r.k, (keyRows.get(r.k) ?? 0) + 1);
  const producerDuplicates = [...keyRows.values()].reduce((s, n) => s + n - 1, 0);

  const executions = new Map<number, number[]>();
  const lines = existsSync(log) ? readFileSync(log, "utf8").split("\n").filter(Boolean) : [];
  for (const line of lines) {
    const [id, readCt] = line.split(" ").map(Number) as [number, number];
    executions.set(id, [...(executions.get(id) ?? []), readCt]);
  }
  let duplicateExecutions = 0;
  let duplicatesUnderOneLease = 0;
  for (const leases of executions.values()) {
    duplicateExecutions += leases.length - 1;
    if (new Set(leases).size !== leases.length) duplicatesUnderOneLease += 1;
  }
  const errorCodes: Record<string, number> = {};
  for (const s of summaries) for (const [c, n] of Object.entries(s.errors)) errorCodes[c] = (errorCodes[c] ?? 0) + n;
  await adminQuery(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  return {
    faultsInjected,
    messagesIn: acked.size,
    archived: archivedKeys.size,
    lost,
    duplicateExecutions,
    duplicatesUnderOneLease,
    producerDuplicates,
    producerRetries: summaries.reduce((s, x) => s + x.retried, 0),
    producerErrorCodes: errorCodes,
    workerExitsUnplanned: unplanned.length,
    unplannedExitReasons: unplanned,
    seconds: Math.round((Date.now() - started) / 100) / 10,
  };
}
