import { execFileSync } from "node:child_process";

/** Makes sure a real Postgres is reachable: the one in PGQRS_TEST_DSN, or a throwaway cluster started here. */
export default function setup(): void {
  if (process.env.PGQRS_TEST_DSN) return;
  const out = execFileSync("bash", ["scripts/start-postgres.sh"], { encoding: "utf8" });
  for (const line of out.split("\n")) {
    const m = /^export (\w+)='(.*)'$/.exec(line.trim());
    if (m?.[1] && m[2] !== undefined) process.env[m[1]] = m[2];
  }
}
