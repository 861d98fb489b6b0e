import type { ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { spawnFixture } from "../support/child.js";
import { adminQuery, faultDsn, recordFigures, uniqueSchema } from "./support/fault-env.js";

const WORKFLOW_WORKER = "test/fixtures/workflow-worker-child.ts";
const FREEZE = "test/fixtures/fault-freeze-worker.ts";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function stopChild(child: ChildProcess, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once("exit", r));
  child.kill(signal);
  await Promise.race([gone, sleep(5000).then(() => child.kill("SIGKILL"))]);
}

describe("durable workflows under SIGKILL (real worker processes, real Postgres)", () => {
  it("300 three-step runs while worker processes are killed at random moments: every run succeeds", async () => {
    const started = Date.now();
    const schema = uniqueSchema("wf");
    const dsn = faultDsn();
    const log = join(mkdtempSync(join(tmpdir(), "pgqrs-fault-wf-")), "effects.log");
    const store = await pgqrs.connect(dsn, { schema });
    await pgqrs.admin(store).install();
    const name = "three_steps";
    await store.createWorkflow(name);
    const RUNS = 300;
    for (let i = 0; i < RUNS; i++) await pgqrs.workflow(name).trigger({ n: i }).execute(store);

    const args = [dsn, schema, name, log, "normal", "1", "4", "10"];
    const workers = new Set<ChildProcess>();
    const spawnWorker = async () => {
      const { child } = await spawnFixture<{ ready: boolean }>(WORKFLOW_WORKER, args);
      workers.add(child);
      child.once("exit", () => workers.delete(child));
    };
    await Promise.all([spawnWorker(), spawnWorker(), spawnWorker()]);
    const succeeded = async () =>
      Number(
        (
          await adminQuery<{ n: string }>(
            `SELECT count(*) AS n FROM "${schema}".pgqrs_workflow_runs WHERE status = 'SUCCESS'`,
          )
        )[0]?.n,
      );
    let kills = 0;
    const spawns: Promise<void>[] = [];
    const deadline = Date.now() + 100_000;
    while (Date.now() < deadline && (await succeeded()) < RUNS) {
      if (kills < 10) {
        const victims = [...workers];
        const victim = victims[Math.floor(Math.random() * victims.length)];
        if (victim !== undefined) {
          await stopChild(victim);
          kills += 1;
          spawns.push(spawnWorker());
        }
      }
      await sleep(300 + Math.random() * 700);
    }
    await Promise.allSettled(spawns);
    for (const w of [...workers]) await stopChild(w, "SIGTERM");

    const runs = await adminQuery<{ status: string; output: { n: number; doubled: number } | null }>(
      `SELECT status::text AS status, output FROM "${schema}".pgqrs_workflow_runs`,
    );
    const unarchived = await adminQuery<{ n: string }>(
      `SELECT count(*) AS n FROM "${schema}".pgqrs_messages WHERE archived_at IS NULL`,
    );
    const effects = existsSync(log) ? readFileSync(log, "utf8").split("\n").filter(Boolean) : [];
    const perStep = (step: string) => effects.filter((l) => l.startsWith(`${step}:`));
    const dupes = ["step1", "step2", "step3"].map((s) => perStep(s).length - new Set(perStep(s)).size);
    const success = runs.filter(
      (r) => r.status === "SUCCESS" && r.output !== null && r.output.doubled === r.output.n * 2,
    ).length;
    const archived = RUNS - Number(unarchived[0]?.n);
    recordFigures({
      scenario: "sigkill-workflow-runs",
      fault: "SIGKILL of a random workflow worker process (of 3, 4 runs each), then a replacement, at random moments",
      faultsInjected: kills,
      messagesIn: RUNS,
      archived,
      lost: RUNS - success,
      duplicateExecutions: dupes.reduce((a, b) => a + b, 0),
      duplicatesExplained:
        "a step whose process was killed after its side effect and before its SUCCESS row committed runs again in the next delivery (at-least-once per step; a step that committed SUCCESS is replayed from its stored output, never re-run)",
      workerExitsUnplanned: 0,
      notes: [`duplicate step executions by step: step1 ${dupes[0]}, step2 ${dupes[1]}, step3 ${dupes[2]}`],
      seconds: Math.round((Date.now() - started) / 100) / 10,
    });
    const stuck = await adminQuery(
      `SELECT r.id, r.status::text, r.error, m.read_ct, m.vt, m.consumer_worker_id, m.archived_at, w.status::text AS worker,
              (SELECT json_agg(json_build_object('s', s.step_name, 'st', s.status, 'o', s.attempt_owner, 'rc', s.retry_count, 'ra', s.retry_at))
                 FROM "${schema}".pgqrs_workflow_steps s WHERE s.run_id = r.id) AS steps
         FROM "${schema}".pgqrs_workflow_runs r JOIN "${schema}".pgqrs_messages m ON m.id = r.message_id
         LEFT JOIN "${schema}".pgqrs_workers w ON w.id = m.consumer_worker_id
        WHERE r.status <> 'SUCCESS'`,
    );
    expect(kills).toBeGreaterThan(0);
    expect(success, JSON.stringify(stuck)).toBe(RUNS);
    expect(archived).toBe(RUNS);
    for (const s of ["step1", "step2", "step3"]) expect(new Set(perStep(s)).size).toBe(RUNS);
    await store.close();
    await adminQuery(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  });
});

describe("a worker frozen (SIGSTOP) past its lease, then resumed (SIGCONT)", () => {
  async function frozenScenario(mode: "queue" | "workflow") {
    const schema = uniqueSchema("frz");
    const dsn = faultDsn();
    const store = await pgqrs.connect(dsn, { schema });
    await pgqrs.admin(store).install();
    const queue = "frozen";
    if (mode === "queue") {
      await pgqrs.admin(store).createQueue(queue);
      await (await store.producer(queue)).enqueue({ job: 1 });
    } else {
      await store.createWorkflow(queue);
      await pgqrs.workflow(queue).trigger({ job: 1 }).execute(store);
    }
    const { child, first } = await spawnFixture<{ leased: number }>(FREEZE, [dsn, schema, queue, mode, "2"]);
    child.kill("SIGSTOP");
    let last = "";
    child.stdout?.on("data", (d: Buffer) => {
      last += d.toString();
    });
    await sleep(2500);
    // The replacement takes the message over once the frozen worker's 2 s lease has passed.
    const replacement = await store.consumer(queue, "replacement");
    const [m] = await replacement.dequeue({ batchSize: 1, vtSeconds: 30 });
    expect(m?.id).toBe(first.leased);
    let replacementArchived = false;
    if (mode === "workflow" && m !== undefined) {
      const run = await pgqrs.run().message(m).store(store).execute();
      await run.start().catch(() => undefined);
      const step = await run.acquireStep("only_step", { currentTime: run.currentTime });
      expect(step.status).toBe("EXECUTE");
      if (step.status === "EXECUTE") await step.guard.success({ by: "replacement" });
      await run.complete({ by: "replacement" });
    }
    if (m !== undefined) replacementArchived = await replacement.archive(m.id);
    child.kill("SIGCONT");
    await new Promise((r) => child.once("exit", r));
    const late = JSON.parse(last.trim().split("\n").at(-1) ?? "{}") as Record<string, unknown>;
    const message = await store.tables().messages().get(first.leased);
    return { store, schema, late, replacementArchived, message, runId: (first as { runId?: number }).runId };
  }

  it("its late archive is refused and the replacement's work stands (queue)", async () => {
    const r = await frozenScenario("queue");
    expect(r.replacementArchived).toBe(true);
    expect(r.late.archived).toBe(false);
    expect(r.message?.archivedAt).not.toBeNull();
    expect(r.message?.readCt).toBe(2);
    recordFencing("queue", r.late);
    await r.store.close();
    await adminQuery(`DROP SCHEMA IF EXISTS "${r.schema}" CASCADE`);
  });

  it("its late run completion and archive are refused and the replacement's run output stands (workflow)", async () => {
    const r = await frozenScenario("workflow");
    expect(r.replacementArchived).toBe(true);
    expect(r.late.runComplete).toBe("INVALID_STATE_TRANSITION");
    expect(r.late.archived).toBe(false);
    const rec = await pgqrs.workflow("frozen").getRun(r.message?.id ?? 0, r.store);
    expect(rec.status).toBe("SUCCESS");
    expect(rec.output).toEqual({ by: "replacement" });
    recordFencing("workflow", r.late);
    await r.store.close();
    await adminQuery(`DROP SCHEMA IF EXISTS "${r.schema}" CASCADE`);
  });

  // Step writes are fenced by the attempt that acquired the step (`attempt_owner`): the frozen worker's late
  // success is refused with CONFLICT and the replacement's output stands.
  it("its late step success is refused and the replacement's step output stands (workflow)", async () => {
    const r = await frozenScenario("workflow");
    const rows = await adminQuery<{ output: unknown }>(
      `SELECT output FROM "${r.schema}".pgqrs_workflow_steps WHERE step_name = 'only_step'`,
    );
    await r.store.close();
    await adminQuery(`DROP SCHEMA IF EXISTS "${r.schema}" CASCADE`);
    expect(r.late.stepSuccess).not.toBe("ok");
    expect(rows[0]?.output).toEqual({ by: "replacement" });
  });
});

const fencing: Record<string, Record<string, unknown>> = {};
function recordFencing(mode: string, late: Record<string, unknown>): void {
  fencing[mode] = late;
  recordFigures({
    scenario: "sigstop-fencing",
    fault: "SIGSTOP of a worker holding a 2 s lease, 2.5 s frozen, a replacement finishes the work, then SIGCONT",
    faultsInjected: Object.keys(fencing).length,
    messagesIn: Object.keys(fencing).length,
    archived: Object.keys(fencing).length,
    lost: 0,
    duplicateExecutions: Object.keys(fencing).length,
    duplicatesExplained:
      "the frozen worker's lease truly expired, so the replacement ran the work again (by design); the frozen worker's late calls answered: " +
      Object.entries(fencing)
        .map(([m, l]) => `${m} ${JSON.stringify(l)}`)
        .join("; "),
    workerExitsUnplanned: 0,
    seconds: 0,
  });
}
