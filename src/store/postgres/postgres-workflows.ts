/**
 * Workflow definitions and runs on PostgreSQL. This file holds the definitions (creating one with its queue, racing
 * creators converging on one row; reading them) and assembles the backend's workflow operations with the runs'
 * lookups (postgres-run-lookups.ts), starts (postgres-run-starts.ts) and transitions (postgres-run-transitions.ts).
 */
import { PgqrsError } from "../../errors.js";
import type { StoreBackend } from "../store.js";
import type { PostgresConnection } from "./postgres-connection.js";
import { createRunLookupOps } from "./postgres-run-lookups.js";
import { createRunStartOps } from "./postgres-run-starts.js";
import { createRunTransitionOps } from "./postgres-run-transitions.js";
import { cols, toWorkflow } from "./postgres-rows.js";

export type WorkflowOps = Pick<
  StoreBackend,
  | "createWorkflow"
  | "getWorkflowByName"
  | "getWorkflowById"
  | "listWorkflows"
  | "getOrCreateRun"
  | "startRun"
  | "getRun"
  | "getRunByMessageId"
  | "listRuns"
  | "countRuns"
  | "transitionRun"
  | "completeRunAndArchive"
  | "completeStepThenRunAndArchive"
  | "dequeueAndStartRuns"
  | "enqueueAndStartRun"
>;

type WorkflowDefinitionOps = Pick<
  StoreBackend,
  "createWorkflow" | "getWorkflowByName" | "getWorkflowById" | "listWorkflows"
>;

/** `origin`: the tag appended to this store's enqueue notifications (see `notifyOrigin`). */
export function createWorkflowOps(conn: PostgresConnection, origin = ""): WorkflowOps {
  const lookups = createRunLookupOps(conn);
  return {
    ...createWorkflowDefinitionOps(conn),
    ...lookups,
    ...createRunStartOps(conn, origin, lookups.getRunByMessageId),
    ...createRunTransitionOps(conn),
  };
}

/** An insert racing a concurrent one can see neither row in its snapshot; the next attempt (new snapshot) does. */
const UPSERT_ATTEMPTS = 3;

function createWorkflowDefinitionOps(conn: PostgresConnection): WorkflowDefinitionOps {
  const queues = conn.t("pgqrs_queues");
  const workflows = conn.t("pgqrs_workflows");

  // ON CONFLICT DO NOTHING waits for a concurrent insert of the same name to commit, so a racing creator either
  // inserts or finds the other's row; the fallback SELECTs only miss a row committed after this statement's
  // snapshot, which the retry loop covers.
  const createWorkflowSql = `
    WITH nq AS (
      INSERT INTO ${queues} (queue_name, created_at) VALUES ($1, $2)
      ON CONFLICT (queue_name) DO NOTHING RETURNING id),
    q AS (SELECT id FROM nq UNION ALL SELECT id FROM ${queues} WHERE queue_name OPERATOR(pg_catalog.=) $1 LIMIT 1),
    nw AS (
      INSERT INTO ${workflows} (name, queue_id, created_at) SELECT $1, q.id, $2 FROM q
      ON CONFLICT (name) DO NOTHING RETURNING ${cols.workflow()})
    SELECT ${cols.workflow()} FROM nw
    UNION ALL SELECT ${cols.workflow()} FROM ${workflows} WHERE name OPERATOR(pg_catalog.=) $1
    LIMIT 1`;

  return {
    async createWorkflow({ name, now }) {
      for (let attempt = 1; ; attempt++) {
        const rows = await conn.query("createWorkflow", createWorkflowSql, [name, now]);
        if (rows[0] !== undefined) return toWorkflow(rows[0]);
        if (attempt >= UPSERT_ATTEMPTS) {
          throw new PgqrsError("CONFLICT", `Conflict: workflow '${name}' kept changing while creating it; retry`, {
            details: { name },
          });
        }
      }
    },

    async getWorkflowByName(name) {
      const rows = await conn.query(
        "getWorkflowByName",
        `SELECT ${cols.workflow()} FROM ${workflows} WHERE name OPERATOR(pg_catalog.=) $1`,
        [name],
      );
      return rows[0] === undefined ? null : toWorkflow(rows[0]);
    },

    async getWorkflowById(id) {
      const rows = await conn.query("getWorkflowById", `SELECT ${cols.workflow()} FROM ${workflows} WHERE id = $1`, [
        id,
      ]);
      return rows[0] === undefined ? null : toWorkflow(rows[0]);
    },

    async listWorkflows() {
      const rows = await conn.query(
        "listWorkflows",
        `SELECT ${cols.workflow()} FROM ${workflows} ORDER BY created_at DESC, id DESC`,
      );
      return rows.map(toWorkflow);
    },
  };
}
