/**
 * The fault suite's own PostgreSQL cluster (never the shared one: it is restarted here), its PgBouncer, and the
 * figures each scenario records for docs/reliability.md.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";

export function faultDsn(): string {
  const dsn = process.env.PGQRS_FAULT_DSN;
  if (!dsn) throw new Error("PGQRS_FAULT_DSN is not set; run the fault suite with `npm run test:faults`");
  return dsn;
}

export function pgbouncerDsn(): string | undefined {
  return process.env.PGQRS_PGBOUNCER_DSN || undefined;
}

/** `postgresql://user@host:port/db` with extra query parameters. */
export function withParams(dsn: string, params: Record<string, string>): string {
  const sep = dsn.includes("?") ? "&" : "?";
  return `${dsn}${sep}${new URLSearchParams(params).toString()}`;
}

function pgBin(): string {
  const versions = readdirSync("/usr/lib/postgresql").sort((a, b) => Number(a) - Number(b));
  const last = versions.at(-1);
  if (last === undefined) throw new Error("no PostgreSQL server binaries under /usr/lib/postgresql");
  return join("/usr/lib/postgresql", last, "bin");
}

function asPostgres(cmd: string, args: string[]): void {
  const root = process.getuid?.() === 0;
  execFileSync(root ? "runuser" : cmd, root ? ["-u", "postgres", "--", cmd, ...args] : args, { stdio: "ignore" });
}

/** Restart the fault cluster (fast mode: every connection is cut), waiting until it accepts connections again. */
export function restartPostgres(): void {
  const data = process.env.PGQRS_FAULT_PG_DATA;
  if (!data) throw new Error("PGQRS_FAULT_PG_DATA is not set");
  if (!faultDsn().includes(":54331/") && process.env.PGQRS_FAULT_ALLOW_RESTART !== "1") {
    throw new Error("refusing to restart a cluster other than the fault suite's own");
  }
  asPostgres(join(pgBin(), "pg_ctl"), [
    "-D",
    data,
    "-m",
    "fast",
    "-w",
    "-t",
    "60",
    "restart",
    "-l",
    `${data}/server.log`,
  ]);
}

/** Run one statement on a fresh superuser connection of the fault cluster. */
export async function adminQuery<R extends pg.QueryResultRow = pg.QueryResultRow>(
  sql: string,
  values: unknown[] = [],
  dsn = faultDsn(),
): Promise<R[]> {
  for (let attempt = 1; ; attempt++) {
    const client = new pg.Client({ connectionString: dsn });
    client.on("error", () => undefined);
    try {
      await client.connect();
      return (await client.query<R>(sql, values)).rows;
    } catch (err) {
      // The cluster may be restarting under us; an admin query is always safe to retry.
      if (attempt >= 40) throw err;
      await new Promise((r) => setTimeout(r, 250));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

let counter = 0;
export function uniqueSchema(prefix: string): string {
  counter += 1;
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${counter}`;
}

/** What one fault scenario injected and measured; written to test-artifacts/faults/<name>.json. */
export interface FaultFigures {
  scenario: string;
  fault: string;
  faultsInjected: number;
  messagesIn: number;
  archived: number;
  lost: number;
  duplicateExecutions: number;
  duplicatesExplained: string;
  workerExitsUnplanned: number;
  notes?: string[];
  seconds: number;
}

export function recordFigures(figures: FaultFigures): void {
  const dir = join("test-artifacts", "faults");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${figures.scenario}.json`), `${JSON.stringify(figures, null, 2)}\n`);
}
