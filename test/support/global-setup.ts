import { execFileSync } from "node:child_process";
import { readdirSync, rmSync } from "node:fs";

/**
 * Makes sure a real Postgres is reachable: the one in PGQRS_TEST_DSN, or a throwaway cluster started here
 * (scripts/start-postgres.sh, port 54329). `npm test` sets PGQRS_TEST_DSN and stops its own cluster; this covers a
 * direct `npx vitest run`.
 *
 * The throwaway cluster is shared by the direct runs that overlap: each registers its pid under `<data>.users/` and,
 * at its end, the last live one stops the cluster, but only when a test run started it (a cluster the developer
 * started by hand is left running). Registration, start and the last-one check hold one lock (`flock`), so a run
 * starting while another ends finds the cluster either running for it or stopped and starts it again.
 */
export default function setup(): (() => void) | undefined {
  if (process.env.PGQRS_TEST_DSN) return undefined;
  const data = process.env.PGQRS_PG_DATA ?? `/tmp/pgqrs-pg-${process.env.PGQRS_PG_PORT ?? "54329"}`;
  const users = `${data}.users`;
  const lock = `${data}.lock`;
  const script = [
    `mkdir -p '${users}' && echo > '${users}/${process.pid}'`,
    "out=$(bash scripts/start-postgres.sh) || exit 1",
    `case "$out" in *"PGQRS_PG_STARTED='1'"*) echo > '${users}/started-by-tests' ;; esac`,
    'printf "%s\\n" "$out"',
  ].join("\n");
  const out = execFileSync("flock", ["-o", lock, "bash", "-c", script], { encoding: "utf8" });
  for (const line of out.split("\n")) {
    const m = /^export (\w+)='(.*)'$/.exec(line.trim());
    if (m?.[1] && m[2] !== undefined) process.env[m[1]] = m[2];
  }
  return () => teardown(data, users, lock);
}

/** Unregister this run; the last live run stops a cluster that a test run started. */
function teardown(data: string, users: string, lock: string): void {
  rmSync(`${users}/${process.pid}`, { force: true });
  const others = readdirSync(users).filter((f) => /^\d+$/.test(f) && isAlive(Number(f)));
  if (others.length > 0) return;
  const script = [
    // Checked again under the lock: a run may have registered since.
    `for f in '${users}'/*; do n=$(basename "$f"); case "$n" in *[!0-9]*) continue ;; esac;`,
    '  if kill -0 "$n" 2>/dev/null; then exit 0; fi; rm -f "$f"; done',
    `[ -f '${users}/started-by-tests' ] || exit 0`,
    `PGQRS_PG_DATA='${data}' bash scripts/stop-postgres.sh && rm -f '${users}/started-by-tests'`,
  ].join("\n");
  execFileSync("flock", ["-o", lock, "bash", "-c", script], { stdio: "ignore" });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
