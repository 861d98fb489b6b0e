/**
 * A PgBouncer in transaction mode for the production guide's test, started with scripts/start-pgbouncer.sh (the one
 * the fault suite uses) on a free port and a directory of its own, so it never touches the fault suite's.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

/** Whether a pgbouncer executable is installed (the test is skipped without one). */
export function hasPgbouncer(): boolean {
  return ["/usr/sbin/pgbouncer", "/usr/bin/pgbouncer", "/usr/local/bin/pgbouncer"].some((p) => existsSync(p));
}

/** A PgBouncer in transaction mode in front of the test server (scripts/start-pgbouncer.sh), on a port of its own. */
export async function startPgbouncer(target: string): Promise<{ dsn: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const env = {
    ...process.env,
    PGQRS_PG_PORT: new URL(target).port || "5432",
    PGQRS_PGBOUNCER_PORT: String(port),
    PGQRS_PGBOUNCER_DIR: mkdtempSync(join(tmpdir(), "pgqrs-guide-bouncer-")),
  };
  await execFileAsync("bash", ["scripts/start-pgbouncer.sh"], { env });
  const url = new URL(target);
  url.host = `127.0.0.1:${port}`;
  url.search = "?prepare=false";
  return {
    dsn: url.toString(),
    stop: async () => {
      await execFileAsync("bash", ["scripts/stop-pgbouncer.sh"], { env });
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
