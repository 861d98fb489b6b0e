/**
 * Search-path shadowing (CVE-2018-1058 pattern), PostgreSQL only. A hostile role with CREATE on `public` (the
 * default before PostgreSQL 15, kept by upgraded databases) puts same-named functions, aggregates and operators in
 * `public`, each recording `current_user` in a loot table when it runs (test/support/search-path-attack.ts). pgqrs
 * roles whose search_path includes `public` (the default `"$user", public`) then install, produce, consume,
 * administer and run workflows, and run the backend contract suite and workflow suites; none of the shadows may ever
 * run. That every function has a shadow, and the indexes: postgres-search-path-coverage.test.ts. See docs/security.md
 * ("Schemas on the search_path").
 */
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { uniqueName } from "../support/backends.js";
import { dsn, shadowedDatabase, sql } from "../support/search-path-attack.js";

const { tag, DB, OWNER, WORKER, loot } = shadowedDatabase();

describe("search-path shadowing (PostgreSQL)", () => {
  it("no shadow runs while a DML-only role produces, consumes, administers and runs workflows", async () => {
    const schema = uniqueName("sp_app").toLowerCase();
    const clock = new pgqrs.ManualClock(new Date("2026-03-01T00:00:00.000Z"));
    const owner = await pgqrs.connect(dsn(OWNER, DB), { schema, clock });
    await pgqrs.admin(owner).install();
    await pgqrs.admin(owner).install();
    await pgqrs.admin(owner).verify();
    expect(await loot(), "shadows run by install()").toEqual([]);
    await sql(
      "postgres",
      DB,
      `GRANT USAGE ON SCHEMA "${schema}" TO ${WORKER};
       GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "${schema}" TO ${WORKER};
       GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "${schema}" TO ${WORKER};`,
    );
    const enumShadows = await sql(
      "postgres",
      DB,
      `SELECT count(*) AS n FROM pg_catalog.pg_operator o JOIN pg_catalog.pg_type t ON t.oid = o.oprleft
        WHERE o.oprnamespace = 'public'::regnamespace AND t.typnamespace = '"${schema}"'::regnamespace`,
    );
    expect(Number(enumShadows.rows[0].n), "operators shadowing the enum comparisons").toBeGreaterThan(5);

    const store = await pgqrs.connect(dsn(WORKER, DB), { schema, clock, maxReadCt: 2 });
    const admin = pgqrs.admin(store);
    await admin.verify();
    await admin.createQueue("jobs");
    expect((await admin.getQueue("jobs")).queueName).toBe("jobs");
    const producer = await store.producer("jobs");
    const one = await producer.enqueue({ card: "4111-1111-1111-1111" });
    const batch = await producer.enqueueBatch([{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }]);
    await producer.enqueue({ later: true }, { delaySeconds: 60 });
    const consumer = await store.consumer("jobs", "sp-consumer");
    const got = await consumer.dequeue({ batchSize: 5, vtSeconds: 30 });
    expect(got.map((m) => m.id)).toEqual([one.id, ...batch.map((m) => m.id)]);
    expect(await consumer.archive(one.id)).toBe(true);
    expect(await consumer.archiveMany([batch[0]!.id, batch[1]!.id])).toEqual([true, true]);
    expect(await consumer.delete(batch[2]!.id)).toBe(true);
    expect(await consumer.extendVt(batch[3]!.id, 10)).toBe(true);
    expect(await consumer.releaseMessages([batch[3]!.id])).toBe(1);
    const next = await consumer.archiveAndDequeue([], { batchSize: 1 });
    expect(next.messages.map((m) => m.id)).toEqual([batch[3]!.id]);
    // Its second delivery reaches maxReadCt: once the lease lapses, dlq() dead-letters it and replay revives it.
    clock.advance(60_000);
    expect(await admin.dlq("jobs")).toEqual([batch[3]!.id]);
    expect((await admin.listDlq("jobs")).map((m) => m.id)).toEqual([batch[3]!.id]);
    expect((await admin.replayDlq("jobs", batch[3]!.id))?.readCt).toBe(0);
    const metrics = await admin.queueMetrics("jobs");
    expect(metrics.archivedMessages).toBe(3);
    await admin.allQueuesMetrics();
    expect((await admin.systemStats()).totalQueues).toBe(1);
    expect((await admin.listWorkers()).length).toBeGreaterThanOrEqual(2);
    await admin.workerHealthStats({ groupByQueue: true });
    await admin.workerHealthStats();
    await admin.listZombies({ olderThanMs: 1_000 });
    await admin.reclaimMessages("jobs", 1_000);
    await admin.purgeOldWorkers(1_000);
    await store.tables().messages().list();
    await store.tables().messages().count();

    const def = pgqrs.defineWorkflow({ name: "sp_flow" }, async (run, input: { x: number }) => {
      const a = await pgqrs.workflowStep(run, "double", async () => input.x * 2);
      return pgqrs.workflowStep(run, "inc", async () => a + 1);
    });
    await pgqrs.workflow().name(def).create(store);
    const trigger = await pgqrs.workflow().name(def).trigger({ x: 20 }).execute(store);
    const wc = await store.consumer("sp_flow", "sp-workflow-worker");
    const serving = pgqrs.workflow().name(def).consumer(wc).poll(store);
    expect(await pgqrs.run().message(trigger).store(store).result({ timeoutMs: 20_000 })).toBe(41);
    await wc.interrupt();
    await serving;
    const cancelled = await pgqrs.workflow().name(def).trigger({ x: 1 }).execute(store);
    expect((await pgqrs.workflow("sp_flow").cancel(cancelled.id, store)).status).toBe("CANCELLING");
    const runs = await store.tables().workflowRuns().list();
    expect(runs.length).toBe(2);
    expect(await store.tables().workflowRuns().count({ status: "SUCCESS" })).toBe(1);
    const done = runs.find((r) => r.status === "SUCCESS")!;
    expect((await store.tables().workflowSteps().listForRun(done.id)).map((s) => s.stepName)).toEqual([
      "double",
      "inc",
    ]);
    expect((await pgqrs.workflow("sp_flow").getRun(trigger.id, store)).output).toBe(41);
    // The dashboard's paged reads.
    const backend = store.context.backend;
    const now = clock.now();
    const page = await backend.queueMetricsPage({ now, maxReadCt: 2, search: "JO", limit: 10, offset: 0 });
    expect(page.rows.map((m) => m.name)).toEqual(["jobs"]);
    expect((await backend.metricsTotals({ now, maxReadCt: 2 })).workflows).toBe(1);
    await backend.completedPerMinute({ since: new Date(0) });
    await backend.completedPerMinute({ since: new Date(0), queueIds: [page.rows[0]!.queueId] });
    expect((await backend.getQueuesByIds([page.rows[0]!.queueId])).length).toBe(1);
    const flows = await backend.listWorkflowsPage({ search: "SP_", limit: 10, offset: 0 });
    expect(flows.matching).toBe(1);
    expect((await backend.getWorkflowsByIds(flows.rows.map((w) => w.id))).length).toBe(1);
    expect((await backend.countRunsByStatus({ workflowId: flows.rows[0]!.id })).SUCCESS).toBe(1);
    await backend.countZombies({ olderThan: now });
    const workerIds = (await admin.listWorkers()).map((w) => w.id);
    expect((await backend.workerActivity({ workerIds, olderThan: now })).length).toBe(workerIds.length);
    // The Prometheus exporter's reads (issue 19).
    expect(await pgqrs.metrics(store)).toContain('pgqrs_queue_messages{queue="jobs",state="pending"}');
    // The workflow primitives' statements (issue 15).
    const trig = (key: string | null, parentRunId: number | null) =>
      backend.triggerRun({
        workflowName: "sp_flow",
        payload: '{"input":{"x":3}}',
        idempotencyKey: key,
        parentRunId,
        now,
      });
    const parent = await trig("p-1", null);
    expect((await trig("p-1", null)).created).toBe(false);
    const child = await trig(null, parent.run.id);
    expect((await backend.listChildRuns({ runId: parent.run.id })).map((r) => r.id)).toEqual([child.run.id]);
    const spWorker = await backend.registerWorker({ name: "sp-primitives", queueId: parent.message.queueId, now });
    const claimed = await backend.dequeueAndStartRuns!({
      queueId: parent.message.queueId,
      workerId: spWorker.id,
      limit: 10,
      leaseMs: 30_000,
      now,
      maxReadCt: 5,
    });
    expect(claimed.map((c) => c.run?.id)).toContain(parent.run.id);
    const op = { runId: parent.run.id, now };
    expect((await backend.beginRunOp({ ...op, name: "nap", kind: "sleep", input: "{}" })).step?.kind).toBe("sleep");
    expect((await backend.finishRunOp({ ...op, name: "nap", output: "1" }))?.status).toBe("SUCCESS");
    const sendOne = { ...op, topic: "go", payload: "1", idempotencyKey: "m-1", senderRunId: null };
    expect((await backend.sendRunMessage(sendOne)).created).toBe(true);
    expect((await backend.sendRunMessage(sendOne)).created).toBe(false);
    expect((await backend.receiveRunMessage({ ...op, topic: "go", stepName: "r" }))?.payload).toBe(1);
    expect((await backend.listRunMessages(op)).length).toBe(1);
    await backend.setRunEvent({ runId: child.run.id, key: "k", value: "1", now });
    expect((await backend.getRunEvent({ runId: child.run.id, key: "k" })).event?.value).toBe(1);
    expect((await backend.listRunEvents({ runId: child.run.id })).length).toBe(1);
    const suspended = await backend.suspendRun({
      ...op,
      messageId: parent.message.id,
      workerId: spWorker.id,
      waitingFor: JSON.stringify({ kind: "child", childRunId: child.run.id }),
      until: new Date(now.getTime() + 60_000),
      wakeIf: [
        { kind: "message", topic: "go" },
        { kind: "child", childRunId: child.run.id },
        { kind: "event", runId: child.run.id, key: "k" },
      ],
    });
    expect(suspended).toMatchObject({ outcome: "paused", woken: true });
    expect(await backend.wakeRun(op)).toBe(true);
    // Retry, resume and fork of runs (issue 16).
    expect((await backend.resumeRun(op)).outcome).toBe("done");
    expect((await backend.retryRun(op)).outcome).toBe("refused");
    expect(await backend.forkRun({ ...op, fromStep: "r" })).toMatchObject({ outcome: "done", copied: 1 });
    await backend.transitionRun({ id: child.run.id, from: ["QUEUED"], to: "CANCELLED", now });
    const failedChild = { id: child.run.id, to: "ERROR" as const, now, error: "{}" };
    await backend.transitionRun({ ...failedChild, from: ["QUEUED", "RUNNING", "CANCELLED"] });
    expect((await backend.retryRun({ runId: child.run.id, now })).outcome).toBe("done");
    expect((await backend.cancelRunTree(op))?.status).toBe("CANCELLING");
    await store.close();
    await owner.close();

    expect(await loot(), "shadows that ran as a pgqrs role").toEqual([]);
  }, 120_000);

  it("no shadow runs in the backend contract suite and a workflow suite run as a non-superuser owner", async () => {
    const out = join(tmpdir(), `${tag}-vitest.json`);
    const result = spawnSync(
      process.execPath,
      [
        "node_modules/vitest/vitest.mjs",
        "run",
        "test/store/backend-contract-queues.test.ts",
        "test/store/backend-contract-claims.test.ts",
        "test/store/backend-contract-message-admin.test.ts",
        "test/store/backend-contract-workers.test.ts",
        "test/store/backend-contract-stats.test.ts",
        "test/store/backend-contract-workflows.test.ts",
        "test/store/run-primitives-contract-operations.test.ts",
        "test/store/run-primitives-contract-suspension.test.ts",
        "test/store/run-primitives-contract-messages.test.ts",
        "test/store/run-primitives-contract-events.test.ts",
        "test/store/run-primitives-contract-triggers.test.ts",
        "test/conformance/workflow-runs.test.ts",
        "test/conformance/workers.test.ts",
        "-t",
        "postgres",
        "--reporter=json",
        `--outputFile=${out}`,
      ],
      { env: { ...process.env, PGQRS_TEST_DSN: dsn(OWNER, DB) }, encoding: "utf8", timeout: 600_000 },
    );
    const report = JSON.parse(readFileSync(out, "utf8")) as {
      numFailedTests: number;
      numPassedTests: number;
      testResults: { assertionResults: { failureMessages: string[] }[] }[];
    };
    rmSync(out, { force: true });
    // A shadow reached inside a read-only transaction cannot record itself: it fails the statement instead.
    const failures = report.testResults.flatMap((f) => f.assertionResults.flatMap((a) => a.failureMessages));
    const shadowFailures = failures.filter((m) => m.includes("search-path shadow")).map((m) => m.split("\n")[0]);
    expect({ loot: await loot(), shadowFailures }, "shadows that ran during the suites").toEqual({
      loot: [],
      shadowFailures: [],
    });
    // Every test passed: a shadow whose delegation failed (instead of recording) would fail one.
    expect(report.numFailedTests, `${failures.join("\n").slice(0, 3000)}\n${result.stderr.slice(-2000)}`).toBe(0);
    expect(report.numPassedTests).toBeGreaterThan(50);
  }, 660_000);
});
