/**
 * Migration 0005 on SQLite (src/store/sqlite/migrations): a file at 0004 with runs and steps upgrades in place, the
 * existing rows read with the new columns' defaults, and verify passes before and after a second install.
 */
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { SqliteConnection } from "../../src/store/sqlite/sqlite-connection.js";
import { installUpTo } from "../../src/store/sqlite/sqlite-migrations.js";
import { freshSqlitePath } from "../support/backends.js";
import { sqliteBackendOpener } from "./sqlite-run-primitives-support.js";

const backendOn = sqliteBackendOpener();

describe("migration 0005 on SQLite", () => {
  it("upgrades a file at 0004: existing runs and steps read with the defaults, verify passes", async () => {
    const path = freshSqlitePath();
    const at0004 = new SqliteConnection({ path, useWal: true, busyTimeoutMs: 5_000 });
    installUpTo(at0004, 4);
    at0004.close();
    const raw = new Database(path);
    expect(raw.prepare("SELECT MAX(version) AS v FROM pgqrs_migrations").get()).toEqual({ v: 4 });
    raw.exec(`INSERT INTO pgqrs_queues (id, queue_name) VALUES (1, 'wf');
      INSERT INTO pgqrs_workflows (id, name, queue_id) VALUES (1, 'wf', 1);
      INSERT INTO pgqrs_messages (id, queue_id, payload) VALUES (1, 1, '{"input":1}');
      INSERT INTO pgqrs_workflow_runs (id, workflow_id, message_id, status) VALUES (1, 1, 1, 'PAUSED');
      INSERT INTO pgqrs_workflow_steps (run_id, step_name, status) VALUES (1, 's', 'SUCCESS');`);
    raw.close();

    const b = backendOn(path);
    await expect(b.verify()).rejects.toMatchObject({ code: "SCHEMA_VALIDATION" });
    await b.install();
    await b.verify();
    expect(await b.getRun(1)).toMatchObject({ id: 1, status: "PAUSED", parentRunId: null, waitingFor: null });
    expect((await b.listSteps({ runId: 1 }))[0]).toMatchObject({ stepName: "s", kind: "step" });
    await b.install(); // nothing left to apply
    await b.verify();
  });
});
