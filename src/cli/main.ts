#!/usr/bin/env node
import { runDemo } from "./demo.js";

const USAGE = `pgqrs: durable job queue and workflows on PostgreSQL or SQLite

Usage:
  pgqrs demo [--dsn DSN] [--runs N] [--concurrency N] [--json]

Commands:
  demo    Run the Basic Workflow Guide: a 3-step workflow, N runs, workers, retries, a summary.

Options:
  --dsn DSN          Database (default $PGQRS_DSN, else sqlite://./pgqrs-demo.db)
  --runs N           Runs to trigger (default 100)
  --concurrency N    Runs in flight per worker (default 8)
  --json             Machine-readable summary
  -h, --help         Show this help

Exit codes: 0 ok, 1 error, 2 usage.`;

function parseArgs(argv: string[]): Map<string, string | true> {
  const out = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith("--")) continue;
    const [key, inline] = arg.slice(2).split("=", 2) as [string, string | undefined];
    if (inline !== undefined) out.set(key, inline);
    else if (argv[i + 1] !== undefined && !(argv[i + 1] as string).startsWith("--")) out.set(key, argv[++i] as string);
    else out.set(key, true);
  }
  return out;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "-h" || command === "--help" || command === "help") {
    process.stdout.write(`${USAGE}\n`);
    return command === undefined ? 2 : 0;
  }
  if (command !== "demo") {
    process.stderr.write(`pgqrs: unknown command '${command}'. Did you mean 'demo'?\n\n${USAGE}\n`);
    return 2;
  }
  const args = parseArgs(rest);
  const int = (key: string, fallback: number): number => {
    const v = args.get(key);
    const n = typeof v === "string" ? Number(v) : fallback;
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${key} takes a whole number >= 1`);
    return n;
  };
  const dsnArg = args.get("dsn");
  const result = await runDemo({
    dsn: typeof dsnArg === "string" ? dsnArg : (process.env.PGQRS_DSN ?? "sqlite://./pgqrs-demo.db"),
    runs: int("runs", 100),
    concurrency: int("concurrency", 8),
    failureRate: 0.2,
    json: args.has("json"),
    out: process.stdout,
  });
  return result.failed === 0 ? 0 : 1;
}

class UsageError extends Error {}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const usage = err instanceof UsageError;
    process.stderr.write(`pgqrs: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = usage ? 2 : 1;
  },
);
