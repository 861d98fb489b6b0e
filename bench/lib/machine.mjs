/** The machine and PostgreSQL settings a run was measured on (recorded in its result). */
import os from "node:os";

/** CPU, memory, OS, Node.js, the given PostgreSQL settings and the load averages at start (given) and now. */
export function machine(settings, loadStart) {
  const cpus = os.cpus();
  return {
    cpu: `${cpus.length} x ${cpus[0]?.model ?? "unknown"}`,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    postgres: settings,
    loadAverageAtStart: loadStart.map((x) => x.toFixed(2)),
    loadAverageAtEnd: os.loadavg().map((x) => x.toFixed(2)),
  };
}
