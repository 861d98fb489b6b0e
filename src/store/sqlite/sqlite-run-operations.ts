/** Operator actions on runs on SQLite (store/run-operations.ts): retry, resume, fork. */
import { PgqrsError } from "../../errors.js";
import type {
  ForkRunParams,
  ForkRunResult,
  ResumeRunParams,
  RetryRunParams,
  RunActionResult,
} from "../run-operations.js";
import type { SqliteConnection } from "./sqlite-connection.js";

export function retryRun(_c: SqliteConnection, _p: RetryRunParams): RunActionResult {
  throw new PgqrsError("INTERNAL", "not implemented yet");
}

export function resumeRun(_c: SqliteConnection, _p: ResumeRunParams): RunActionResult {
  throw new PgqrsError("INTERNAL", "not implemented yet");
}

export function forkRun(_c: SqliteConnection, _p: ForkRunParams): ForkRunResult {
  throw new PgqrsError("INTERNAL", "not implemented yet");
}
