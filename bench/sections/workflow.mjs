/**
 * The workflow sections: 3-step runs against DBOS and the workflow primitives (each round), and runs asleep (once).
 *
 * Every section takes the context bench/run.mjs builds: `dsn`; `quick`; `sizes`, `primitiveSizes` and `limits`
 * (the run's sizes, and its time caps in ms); the systems (`queueSystems`, `pgbench`, `dbos`, `sqliteOurs`,
 * `sqliteRaw`); and the recorder (`record`, `recordAll`, `attempt`, `figures`, `log`, `bloat`, `primitives`).
 */
import { childThroughput } from "../primitives/children.mjs";
import { childFigures, sleepingFigures, wakeUpFigures } from "../primitives/report.mjs";
import { sleepingRuns } from "../primitives/sleeping.mjs";
import { wakeUpLatency } from "../primitives/wake-up.mjs";

/** 1,000 3-step runs at c=16, triggered one by one, for pgqrs and DBOS. */
export async function workflowSection(ctx) {
  const { sizes, queueSystems, dbos, attempt, record, log, checkpoint } = ctx;
  for (const s of [queueSystems[0], dbos]) {
    await checkpoint();
    const r = await attempt(s.name, "workflow", () =>
      s.workflow({ runs: sizes.runs, concurrency: 16, limitMs: 120_000, warmup: sizes.warmupRuns }),
    );
    if (r === undefined) continue;
    log(
      `  workflow ${s.name}: ${r.perSec.toFixed(1)} runs/s, p50 ${r.p50?.toFixed(1)} ms${r.capped ? " (capped)" : ""}`,
    );
    const label = `${sizes.runs} 3-step workflows, c=16`;
    record("workflow_rate", { label, unit: "runs/s", higherIsBetter: true }, s.name, r.perSec, r);
    record("workflow_p50", { label: "workflow run p50", unit: "ms", higherIsBetter: false }, s.name, r.p50);
  }
}

/** send → recv wake-ups, and runs that call a child, run one step or sleep once (issue 15). */
export async function primitivesSection(ctx) {
  const { dsn, primitiveSizes, primitives, attempt, recordAll, log, checkpoint } = ctx;
  const p = primitiveSizes;
  await checkpoint();
  const w = await attempt("pgqrs", "send → recv", () => wakeUpLatency({ dsn, count: p.wakes, gapMs: p.gapMs, log }));
  if (w !== undefined) {
    primitives.wakeUp.push(w);
    recordAll("pgqrs", wakeUpFigures(w));
  }
  for (const mode of ["child", "step", "sleep"]) {
    const withChild = mode === "child";
    const sleepOnce = mode === "sleep";
    const what = { child: "callChild", step: "one-step runs", sleep: "runs that sleep once" }[mode];
    await checkpoint();
    const c = await attempt("pgqrs", what, () =>
      childThroughput({ dsn, runs: p.childRuns, concurrency: p.k, limitMs: 120_000, withChild, sleepOnce, log }),
    );
    if (c === undefined) continue;
    ({ child: primitives.children, step: primitives.noChild, sleep: primitives.sleepOnce })[mode].push(c);
    recordAll("pgqrs", childFigures(c, mode));
  }
}

/** Once, not per round: 10,000 runs put to sleep, and two idle windows (bench/primitives/sleeping.mjs). */
export async function sleepingSection(ctx) {
  const { dsn, primitiveSizes, primitives, attempt, recordAll, log } = ctx;
  const p = primitiveSizes;
  const r = await attempt("pgqrs", "sleeping runs", () =>
    sleepingRuns({ dsn, runs: p.sleepers, windowSeconds: p.windowSeconds, log }),
  );
  if (r !== undefined) {
    primitives.sleeping = r;
    recordAll("pgqrs", sleepingFigures(r));
  }
}
