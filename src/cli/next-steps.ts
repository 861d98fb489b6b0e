/**
 * The next step every CLI error ends with: a sentence after the message saying what to run or check. Code-specific
 * where the code says what went wrong (a missing queue: list or create it), else a pointer at the command's help.
 * Never repeated when the message already says it (SCHEMA_NOT_INSTALLED names `pgqrs install` itself).
 */
import type { PgqrsError } from "../index.js";

/** A next step: the sentence, and the text whose presence in the message means it was already said. */
interface NextStep {
  text: string;
  saidBy: string;
}

/** `name` when it is safe to print as one shell word, else single-quoted. */
export function shellArg(name: string): string {
  return /^[\w.@%+=:,/-]+$/.test(name) ? name : `'${name.replaceAll("'", "'\\''")}'`;
}

function named(err: PgqrsError, ...keys: string[]): string {
  for (const key of keys) {
    const v = err.details[key];
    if (typeof v === "string" && v !== "") return shellArg(v);
  }
  return "<name>";
}

/** The command's usage pointer: `Run 'pgqrs queue create --help' for usage.` */
export function helpStep(command: string | undefined): string {
  return `Run 'pgqrs ${command === undefined ? "" : `${command} `}--help' for usage.`;
}

function stepFor(err: PgqrsError, command: string | undefined): NextStep {
  const help = { text: helpStep(command), saidBy: "--help" };
  switch (err.code) {
    case "CONNECTION_FAILED":
      return {
        text: "Check that the server is running and reachable, and the DSN (--dsn, PGQRS_DSN or the config file).",
        saidBy: "Check that the server",
      };
    case "READ_ONLY":
      return {
        text: "Check the DSN: point it at the primary (or list every server with target_session_attrs=read-write).",
        saidBy: "primary",
      };
    case "SCHEMA_NOT_INSTALLED":
      return { text: "Run `pgqrs install` (with the same --dsn and --schema).", saidBy: "pgqrs install" };
    case "SCHEMA_VALIDATION":
      return { text: "Run `pgqrs install` to apply missing migrations, then `pgqrs verify`.", saidBy: "pgqrs install" };
    case "DRIVER_NOT_INSTALLED":
      return { text: "Install the driver package named above next to pgqrs.", saidBy: "npm install" };
    case "QUEUE_NOT_FOUND": {
      const n = named(err, "name", "queueName", "queue");
      return {
        text: `List the queues with \`pgqrs queue list\`, or create it: \`pgqrs queue create ${n}\` (a workflow: \`pgqrs workflow create ${n}\`).`,
        saidBy: "pgqrs queue list",
      };
    }
    case "QUEUE_ALREADY_EXISTS":
      return {
        text: `See it with \`pgqrs queue show ${named(err, "name", "queueName", "queue")}\`.`,
        saidBy: "pgqrs queue show",
      };
    case "WORKFLOW_NOT_FOUND":
      return {
        text: `List the workflows with \`pgqrs workflow list\`, or create it: \`pgqrs workflow create ${named(err, "name", "workflowName", "queueName")}\`.`,
        saidBy: "pgqrs workflow list",
      };
    case "WORKFLOW_ALREADY_EXISTS":
      return { text: "List the workflows with `pgqrs workflow list`.", saidBy: "pgqrs workflow list" };
    case "RUN_NOT_FOUND":
      return { text: "List a workflow's runs with `pgqrs workflow runs <workflow>`.", saidBy: "pgqrs workflow runs" };
    case "SCHEDULE_NOT_FOUND":
    case "SCHEDULE_ALREADY_EXISTS":
      return { text: "List the schedules with `pgqrs schedule list`.", saidBy: "pgqrs schedule list" };
    case "MESSAGE_NOT_FOUND":
      return { text: "List a queue's messages with `pgqrs message list <queue>`.", saidBy: "pgqrs message list" };
    case "WORKER_NOT_FOUND":
      return { text: "List every worker with `pgqrs worker list --all`.", saidBy: "pgqrs worker list" };
    case "WORKER_HAS_PENDING_MESSAGES":
      return { text: "Release its messages with `pgqrs worker reclaim <queue>`, then retry.", saidBy: "reclaim" };
    case "INVALID_STATE_TRANSITION":
      return {
        text: "Check the current status first (`pgqrs worker list --all`, `pgqrs workflow run <id>`).",
        saidBy: "--all",
      };
    case "MISSING_CONFIG":
    case "INVALID_CONFIG":
      // Not every configuration error is about the database settings: a module or a listener names its own fix.
      if (typeof err.details.module === "string") {
        return { text: "Check the --module path: a .js or .mjs file (a .ts one through tsx).", saidBy: "--import tsx" };
      }
      if (err.details.option === "token" || err.details.option === "port") return help;
      return {
        text: "Check --dsn, --schema, --config and the PGQRS_* environment variables (docs/cli.md, Configuration).",
        saidBy: "PGQRS_* environment",
      };
    case "BUSY":
      return {
        text: "Another process holds the SQLite database: retry, or raise PGQRS_SQLITE_BUSY_TIMEOUT_MS.",
        saidBy: "retry",
      };
    case "CONFLICT":
    case "TIMEOUT":
    case "RATE_LIMITED":
      return { text: "Retry the command.", saidBy: "retry" };
    case "INTERNAL":
      return { text: "Run it again with --verbose for details.", saidBy: "--verbose" };
    case "QUERY_FAILED":
    case "STORE_CLOSED":
      return {
        text: "Run it again with --verbose for the database's full error; `pgqrs verify` checks the schema.",
        saidBy: "--verbose",
      };
    default:
      return help;
  }
}

/** The message with its next step appended (unless the message already says it). */
export function withNextStep(message: string, err: unknown, command: string | undefined): string {
  const step =
    typeof err === "object" && err !== null && "code" in err && "details" in err
      ? stepFor(err as PgqrsError, command)
      : { text: "Run it again with --verbose for details.", saidBy: "--verbose" };
  if (message.includes(step.saidBy)) return message;
  const sep = /[.!?)`]$/.test(message) ? " " : ". ";
  return `${message}${sep}${step.text}`;
}
