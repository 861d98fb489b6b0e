/**
 * A PostgreSQL primary with a synchronous streaming standby on loopback (scripts/start-standby-pair.sh), owned by
 * one test file: started in its beforeAll, stopped in its afterAll. The failover test SIGKILLs the primary (every
 * process of it, as a crashed machine would lose them) and promotes the standby; the standby-read tests read from
 * the standby.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";

export interface StandbyPair {
  primaryPort: number;
  standbyPort: number;
  primaryDsn: string;
  standbyDsn: string;
  /** Both servers, primary first, as one DSN asking for `attrs` (URL form). */
  multiHostDsn(attrs: string): string;
  /** SIGKILL the primary's postmaster and every one of its processes at once. */
  killPrimary(): void;
  /** `pg_ctl promote -w` the standby: resolves once it accepts writes. */
  promoteStandby(): void;
  /** Wait until the standby has replayed everything the primary has written so far. */
  waitForReplay(): void;
  stop(): void;
}

const SCRIPTS = join(process.cwd(), "scripts");

function asPostgres(bin: string, args: string[]): string {
  const root = process.getuid?.() === 0;
  return execFileSync(root ? "runuser" : bin, root ? ["-u", "postgres", "--", bin, ...args] : args, {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** `synchronous: false` streams asynchronously (faster commits, for tests that only read from the standby). */
export function startStandbyPair(primaryPort: number, standbyPort: number, synchronous = true): StandbyPair {
  const env = {
    ...process.env,
    PGQRS_PAIR_SYNC: synchronous ? "1" : "0",
    PGQRS_PAIR_PRIMARY_PORT: String(primaryPort),
    PGQRS_PAIR_STANDBY_PORT: String(standbyPort),
  };
  const out = execFileSync("bash", [join(SCRIPTS, "start-standby-pair.sh")], {
    env,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  const vars = new Map<string, string>();
  for (const m of out.matchAll(/^export (\w+)='(.*)'$/gm)) vars.set(m[1] as string, m[2] as string);
  const get = (k: string): string => {
    const v = vars.get(k);
    if (v === undefined) throw new Error(`start-standby-pair.sh printed no ${k}: ${out}`);
    return v;
  };
  const bin = get("PGQRS_PAIR_BIN");
  const psql = (port: number, sql: string): string =>
    execFileSync(
      join(bin, "psql"),
      ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "-tAc", sql, "pgqrs_test"],
      {
        encoding: "utf8",
      },
    ).trim();
  return {
    primaryPort,
    standbyPort,
    primaryDsn: get("PGQRS_PAIR_PRIMARY_DSN"),
    standbyDsn: get("PGQRS_PAIR_STANDBY_DSN"),
    multiHostDsn: (attrs) =>
      `postgresql://postgres@127.0.0.1:${primaryPort},127.0.0.1:${standbyPort}/pgqrs_test?target_session_attrs=${attrs}`,
    killPrimary() {
      const postmaster = Number(
        readFileSync(join(get("PGQRS_PAIR_PRIMARY_DATA"), "postmaster.pid"), "utf8").split("\n")[0],
      );
      const children = execFileSync("ps", ["-o", "pid=", "--ppid", String(postmaster)], { encoding: "utf8" })
        .split("\n")
        .map((s) => Number(s.trim()))
        .filter((n) => n > 0);
      for (const pid of [postmaster, ...children]) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // Already gone.
        }
      }
    },
    promoteStandby() {
      asPostgres(join(bin, "pg_ctl"), ["-D", get("PGQRS_PAIR_STANDBY_DATA"), "-w", "-t", "60", "promote"]);
    },
    waitForReplay() {
      const target = psql(primaryPort, "SELECT pg_catalog.pg_current_wal_lsn()");
      for (let i = 0; i < 500; i++) {
        const caughtUp = psql(standbyPort, `SELECT pg_catalog.pg_last_wal_replay_lsn() >= '${target}'::pg_lsn`);
        if (caughtUp === "t") return;
        execFileSync("sleep", ["0.02"]);
      }
      throw new Error("the standby did not replay the primary's WAL within 10 s");
    },
    stop() {
      execFileSync("bash", [join(SCRIPTS, "stop-standby-pair.sh")], { env, stdio: "ignore" });
    },
  };
}
