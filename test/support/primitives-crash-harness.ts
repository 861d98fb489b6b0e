/**
 * The harness of the crash tests of the durable primitives (test/conformance/workflow-primitives-*.test.ts): a
 * fresh database with the workflows of test/fixtures/workflow-primitives-child.ts, its runs triggered, worker
 * processes started and SIGKILLed one generation after another, conditions polled on the rows, and the checks of
 * the end state every scenario shares.
 *
 * Generation g runs with its clock g × 2 hours ahead of the real time: a process started after a SIGKILL finds the
 * dead one's leases expired and the 1-hour sleeps due, as after that much downtime, so nothing waits for time.
 */
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, watch } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { expect } from "vitest";
import * as pgqrs from "../../src/index.js";
import { type BackendName, dropSchema, freshDatabase } from "./backends.js";
import { kill9, spawnFixture } from "./child.js";

const FIXTURE = "test/fixtures/workflow-primitives-child.ts";
export const PARENT = "prim_parent";
export const KID = "prim_kid";
/** How far each worker generation's clock is ahead of the previous one's, ms. */
export const GENERATION_MS = 7_200_000;
/** How long one condition may take on a loaded machine (a process start included), ms. */
const CONDITION_TIMEOUT_MS = 120_000;

export type Hang = "a" | "got1" | "k1" | "none";

export interface CrashHarness {
  store: pgqrs.Store;
  admin: pgqrs.Admin;
  triggers: { message: pgqrs.QueueMessage; run: pgqrs.RunRecord }[];
  parentIds: number[];
  /** The lines the step bodies wrote so far. */
  effects(): string[];
  /** Start the next generation (see the module comment); resolves once it polls. */
  startWorker(hang: Hang): Promise<void>;
  /** The real time and the clock offset at which the current generation started. */
  generationStart(): { realMs: number; offsetMs: number };
  /** SIGKILL the live worker process, if any, and wait until it is gone. */
  killWorker(): Promise<void>;
  /**
   * SIGKILL the live worker the moment the effects file holds `lines` lines (watched, so within milliseconds of a
   * step body writing its line: often before the step's commit). Returns a function that stops watching.
   */
  killAtLines(lines: number): () => void;
  /** Poll `probe` (every 100 ms) until it holds; the timeout is a bound only, with the state in its error. */
  until(what: string, probe: () => Promise<boolean>): Promise<void>;
  parents(): Promise<pgqrs.RunRecord[]>;
  /** The children of every parent, those with child index `i` in `which` (all when omitted). */
  kids(which?: number[]): Promise<pgqrs.RunRecord[]>;
  close(): Promise<void>;
}

export async function openCrashHarness(backend: BackendName, runs: number[]): Promise<CrashHarness> {
  const { dsn, schema } = freshDatabase(backend);
  const effectsFile = join(mkdtempSync(join(tmpdir(), "pgqrs-prim-crash-")), "effects.log");
  const store = await pgqrs.connect(dsn, { schema });
  const admin = pgqrs.admin(store);
  await admin.install();
  await store.createWorkflow(PARENT);
  await store.createWorkflow(KID);
  const triggers = [];
  for (const n of runs) {
    triggers.push(await pgqrs.workflow(PARENT).trigger({ n }).idempotencyKey(`crash-${n}`).start(store));
  }
  const parentIds = triggers.map((t) => t.run.id);
  let generation = 0;
  let started = { realMs: 0, offsetMs: 0 };
  let live: { child: ChildProcess; stderr: () => string } | undefined;

  const effects = () => (existsSync(effectsFile) ? readFileSync(effectsFile, "utf8").split("\n").filter(Boolean) : []);
  const parents = () => Promise.all(parentIds.map((id) => admin.getRun(id)));
  const kids = async (which?: number[]) =>
    (await Promise.all(parentIds.map((id) => admin.childRuns(id)))).flat().filter((k) => {
      const i = (k.input as { input: { i: number } }).input.i;
      return which === undefined || which.includes(i);
    });

  async function killWorker(): Promise<void> {
    // kill9 waits for an exit still to come: a child killAtLines already killed may have exited.
    if (live !== undefined && live.child.exitCode === null && live.child.signalCode === null) await kill9(live.child);
    live = undefined;
  }

  return {
    store,
    admin,
    triggers,
    parentIds,
    effects,
    parents,
    kids,
    killWorker,
    generationStart: () => started,
    killAtLines(lines) {
      const child = live?.child;
      const check = () => {
        if (child !== undefined && child.exitCode === null && effects().length >= lines) child.kill("SIGKILL");
      };
      const watcher = watch(dirname(effectsFile), check);
      check();
      return () => watcher.close();
    },
    async startWorker(hang) {
      generation += 1;
      started = { realMs: Date.now(), offsetMs: generation * GENERATION_MS };
      const { child } = await spawnFixture<{ ready: boolean }>(FIXTURE, [
        dsn,
        schema,
        effectsFile,
        hang,
        String(started.offsetMs),
      ]);
      let stderr = "";
      child.stderr?.on("data", (d: Buffer) => {
        stderr += d.toString();
      });
      live = { child, stderr: () => stderr };
    },
    async until(what, probe) {
      const deadline = Date.now() + CONDITION_TIMEOUT_MS;
      while (!(await probe())) {
        if (live !== undefined && live.child.exitCode !== null && live.child.signalCode !== "SIGKILL") {
          throw new Error(`worker exited while waiting for ${what}: ${live.stderr()}`);
        }
        if (Date.now() > deadline) {
          const all = [...(await parents()), ...(await kids())];
          const state = (
            await Promise.all(
              all.map(async (r) => {
                const m = await admin.getMessage(r.messageId);
                return `${r.id}:${r.status}:${JSON.stringify(r.waitingFor)}:read_ct=${m.readCt}:held_by=${m.consumerWorkerId}`;
              }),
            )
          ).join(" ");
          throw new Error(
            `timed out waiting for ${what}; runs ${state}; effects ${effects().join(",")}; worker stderr: ${live?.stderr() ?? ""}`,
          );
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async close() {
      await killWorker();
      await store.close();
      if (backend === "postgres") await dropSchema(schema);
    },
  };
}

/** The lines a run of `n` writes when every step body runs once. */
export function linesOfRun(n: number): string[] {
  return [
    `a:${n}`,
    `got1:${n}:1`,
    `got2:${n}:2`,
    `z:${n}:3`,
    `k1:${n}:0`,
    `k1:${n}:1`,
    `k1:${n}:2`,
    `k2:${n}:0`,
    `k2:${n}:1`,
    `k2:${n}:2`,
  ];
}

/**
 * The end state every scenario must reach: each parent SUCCESS with the output its steps, messages and children
 * produced, its three children SUCCESS, each of its messages received once by the recv it was meant for (the
 * three recvs got three different messages), its operations recorded with their kinds, and its trigger key still
 * naming it. No step body ran although its step had committed.
 */
export async function expectFinished(h: CrashHarness, runs: number[]): Promise<void> {
  expect(h.effects().filter((l) => l.startsWith("VIOLATION"))).toEqual([]);
  for (const [i, t] of h.triggers.entries()) {
    const n = runs[i] as number;
    const run = await h.admin.getRun(t.run.id);
    expect(run.status).toBe("SUCCESS");
    expect(run.waitingFor).toBeNull();
    expect(run.output).toEqual({ n, a: n, m: [1, 2, 3], kids: [n * 10, n * 10 + 1, n * 10 + 2] });
    const kids = await h.admin.childRuns(t.run.id);
    expect(kids.map((k) => [k.status, k.parentRunId])).toEqual([
      ["SUCCESS", t.run.id],
      ["SUCCESS", t.run.id],
      ["SUCCESS", t.run.id],
    ]);
    const messages = await h.admin.runMessages(t.run.id);
    expect(messages.map((m) => [m.payload, m.consumedByStep, m.consumedAt !== null])).toEqual([
      [{ v: 1 }, "r1", true],
      [{ v: 2 }, "r2", true],
      [{ v: 3 }, "r3", true],
    ]);
    const steps = await pgqrs.workflow(PARENT).steps(t.run.id, h.store);
    const kinds = Object.fromEntries(steps.map((s) => [s.stepName, s.kind]));
    expect(kinds).toMatchObject({ a: "step", nap: "sleep", r1: "recv", r2: "recv", r3: "recv", kid0: "child" });
    expect(steps.every((s) => s.status === "SUCCESS")).toBe(true);
    const received = steps.filter((s) => s.kind === "recv").map((s) => (s.output as { messageId: number }).messageId);
    expect(new Set(received).size).toBe(3);
  }
  const again = await pgqrs.workflow(PARENT).trigger({ n: runs[0] }).idempotencyKey(`crash-${runs[0]}`).start(h.store);
  expect([again.created, again.run.id]).toEqual([false, h.parentIds[0]]);
}
