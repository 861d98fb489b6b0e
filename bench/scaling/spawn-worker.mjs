/** Start a worker-process.mjs child and follow it: ready, go, its samples, its final report. */
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";

const SCRIPT = fileURLToPath(new URL("./worker-process.mjs", import.meta.url));

export function spawnWorker(opts, { exposeGc = false, onSample = () => undefined } = {}) {
  const child = fork(SCRIPT, [JSON.stringify(opts)], {
    execArgv: exposeGc ? ["--expose-gc"] : [],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const samples = [];
  let readyResolve;
  let doneResolve;
  let doneReject;
  const ready = new Promise((resolve) => {
    readyResolve = resolve;
  });
  const done = new Promise((resolve, reject) => {
    doneResolve = resolve;
    doneReject = reject;
  });
  let report;
  child.on("message", (m) => {
    if (m.type === "ready") readyResolve(m);
    else if (m.type === "sample") {
      samples.push(m);
      onSample(m);
    } else if (m.type === "done") report = m;
    else if (m.type === "error") doneReject(new Error(`worker process ${child.pid}: ${m.message}`));
  });
  child.on("exit", (code) => {
    if (report !== undefined) doneResolve({ ...report, samples });
    else doneReject(new Error(`worker process ${child.pid} exited with ${code} before reporting`));
  });
  // A child that fails before `ready` must not leave the caller waiting on `ready` forever.
  done.catch((err) => readyResolve(Promise.reject(err)));
  return {
    pid: child.pid,
    ready,
    done,
    go: () => child.send({ type: "go" }),
    kill: () => child.kill("SIGKILL"),
  };
}
