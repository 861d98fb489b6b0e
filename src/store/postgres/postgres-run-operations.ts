/** Operator actions on runs on PostgreSQL (store/run-operations.ts): retry, resume, fork. */
import { PgqrsError } from "../../errors.js";
import type { RunOperationOps } from "../run-operations.js";
import type { PostgresConnection } from "./postgres-connection.js";

export function createRunOperationOps(_conn: PostgresConnection): RunOperationOps {
  const pending = (): never => {
    throw new PgqrsError("INTERNAL", "not implemented yet");
  };
  return {
    retryRun: async () => pending(),
    resumeRun: async () => pending(),
    forkRun: async () => pending(),
  };
}
