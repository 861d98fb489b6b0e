/** The workflow-primitive figures (issue 15): what run.mjs records in the table, and its section of benchmarks.md. */
import { median } from "../lib/stats.mjs";

const n = (x) => Number(x).toLocaleString("en-US");
const f1 = (x) => (x === null || x === undefined ? "—" : x.toFixed(1));
const f2 = (x) => (x === null || x === undefined ? "—" : x.toFixed(2));

const ratio = (a, b) => (b > 0 ? `${(a / b).toFixed(2)}x` : "n/a");
/** `name ×count` for each statement kind, without the per-schema prefix of prepared statement names. */
const mix = (m = {}) =>
  Object.entries(m)
    .map(([k, c]) => `\`${k.replace(/^pgqrs_[0-9a-f]{12}_/, "")}\` ×${c}`)
    .join(", ") || "none";

/** `name [scans, rows]` per relation. */
const rel = (m = {}) =>
  Object.entries(m)
    .map(([k, [scans, rows]]) => `\`${k}\` [${scans}, ${rows}]`)
    .join(", ") || "none";

/** `name ×count` per run, for a mix already divided by the number of runs. */
const perRun = (m = {}) =>
  Object.entries(m)
    .map(([k, c]) => `\`${k.length > 40 ? `${k.slice(0, 40)}…` : k}\` ×${c}`)
    .join(", ") || "none";

/** Figures for the main table, from one scenario's result: `[id, meta, value, extra]`. */
export function sleepingFigures(r) {
  const meta = (count) => ({
    label: `idle workflow worker, ${n(count)} runs asleep`,
    unit: "statements/s",
    higherIsBetter: false,
  });
  return [
    ["primitives_idle_0", meta(0), r.idle0.statementsPerSec],
    [`primitives_idle_${r.runs}`, meta(r.runs), r.idleN.statementsPerSec],
  ];
}

export function wakeUpFigures(r) {
  const meta = (q) => ({ label: `send → recv wake-up ${q}`, unit: "ms", higherIsBetter: false });
  return [
    ["primitives_wake_p50", meta("p50"), r.p50],
    ["primitives_wake_p99", meta("p99"), r.p99],
  ];
}

/** `mode`: `true` or "child" (runs calling one child), `false` or "step" (one step), "sleep" (sleep once, one step). */
export function childFigures(r, mode) {
  const kind = mode === true ? "child" : mode === false ? "step" : mode;
  const label = {
    child: `${n(r.runs)} runs calling one child, K=${r.concurrency}`,
    step: `${n(r.runs)} one-step runs (no child), K=${r.concurrency}`,
    sleep: `${n(r.runs)} runs that sleep once (${r.sleepMs} ms), K=${r.concurrency}`,
  }[kind];
  return [
    [
      { child: "primitives_child_rate", step: "primitives_nochild_rate", sleep: "primitives_sleep_rate" }[kind],
      { label, unit: "runs/s", higherIsBetter: true },
      r.perSec,
      { capped: r.capped },
    ],
  ];
}

/** The "Workflow primitives" section of docs/benchmarks.md; empty when the group did not run. */
export function primitivesMarkdown(p) {
  const none = (xs) => xs === undefined || xs.length === 0;
  if (
    p === undefined ||
    (p.sleeping === undefined && none(p.wakeUp) && none(p.children) && none(p.noChild) && none(p.sleepOnce))
  )
    return "";
  const out = ["", "## Workflow primitives (issue 15)", ""];
  const s = p.sleeping;
  if (s !== undefined) {
    const row = (label, c) =>
      `| ${label} | ${f1(c.statementsPerSec)} | ${f1(c.xactsPerSec)} | ${f1(c.scansPerSec)} | ${f1(c.rowsReadPerSec)} |`;
    out.push(
      `**Sleeping runs cost no polling.** An idle workflow worker (concurrency ${s.concurrency}, the default 250 ms poll`,
      `interval) measured over ${s.windowSeconds} s with no runs, and another (same settings, a schema of its own) after ${n(s.runs)}`,
      `runs were triggered, started by it and put to sleep with \`run.sleep("nap", 1 hour)\` (all asleep ${f1(s.asleepSeconds)} s after the`,
      `worker started; ${n(s.asleep.waitingForSleep)} PAUSED runs waiting for "sleep", ${n(s.asleep.heldByAConsumer)} trigger messages held by a`,
      `consumer, ${n(s.asleep.dueInAnHour)} due in about an hour). Statements are counted on the worker's pool (client side,`,
      "exact); commits come from `pg_stat_database` (the whole database, where nothing else runs), scans and rows read",
      "from `pg_stat_user_tables` over the pgqrs tables (sequential plus index scans; tuples read by them). The tables",
      "are vacuumed and analysed before each window, so no autovacuum falls into it, and the worker idles 12 s first",
      "(PostgreSQL 15 may hold an idle backend's counts back for up to 10 s).",
      "",
      "| runs asleep | statements/s sent | commits/s | scans/s on pgqrs tables | rows read/s from pgqrs tables |",
      "|---:|---:|---:|---:|---:|",
      row("0", s.idle0),
      row(n(s.runs), s.idleN),
      "",
      `With ${n(s.runs)} runs asleep the worker sends ${ratio(s.idleN.statementsPerSec, s.idle0.statementsPerSec)} the statements per second it sends with none; what it`,
      `sent in that window, by statement: ${mix(s.idleN.statementMix)}. Scans and rows read per index (and per table's`,
      `sequential scans) in the windows, as [scans, rows]: with no runs ${rel(s.idle0.scansByRelation)}; with ${n(s.runs)} asleep`,
      `${rel(s.idleN.scansByRelation)}. Scans that read no rows are index probes finding nothing (on empty tables the`,
      "planner scans sequentially instead); the rows read are what would grow if a claim walked the sleeping runs.",
      "",
      "A sleeping run is a PAUSED row and a trigger message whose visibility time is its wake-up time: the worker's",
      "idle claims look only at visible messages through the (queue, visibility time) index, so what an idle worker costs per second is",
      "its poll interval, heartbeat and maintenance, the same with no runs as with thousands asleep.",
      "",
    );
  }
  const wakes = p.wakeUp ?? [];
  if (wakes.length > 0) {
    const w = (key) => median(wakes.map((r) => r[key]));
    const r0 = wakes[0];
    out.push(
      `**send → recv wake-up** (median over ${wakes.length} round${wakes.length === 1 ? "" : "s"} of ${r0.count} runs): p50`,
      `${f2(w("p50"))} ms, p99 ${f2(w("p99"))} ms (target: p50 under 5 ms); the \`send\` call alone p50 ${f2(w("sendP50"))} ms.`,
      'Each run waits in `run.recv("ping", "ping")` (PAUSED, no slot held) on an idle worker (concurrency 1; the',
      `previous run has ended, and the worker idles ${r0.gapMs} ms, longer than its poll interval, before each send); the bench sends with \`pgqrs.send\` from another store (its own pool, as another`,
      "process would) and measures from just before the call to the workflow's first statement after `recv` returned.",
      "The send inserts the message and makes the run's trigger message visible and notifies the queue in one",
      "transaction; the worker is woken by LISTEN/NOTIFY, claims the message, replays the run to its `recv` and",
      "receives the message: the figure includes the send's durable commit and the receive's. The replay entered the",
      `workflow function p50 ${f2(w("toReplayP50"))} ms after the send began; the worker sent ${f1(w("workerStatements"))} statements from the`,
      "send to `recv` returning (median: the claim, the replayed `recv`'s step row, the receive);",
      `${wakes.map((r) => r.over100Ms).join(", ")} of ${r0.count} samples took over 100 ms. The path holds two durable commits (the send's and`,
      `the receive's) besides round trips: a durable single-row INSERT from node-postgres took p50 ${f2(w("commitP50"))} ms on this`,
      "database in the same scenario. The sending store has no consumer, so the `send` call returns after its one",
      "statement (a store whose consumers listen also looks up the run, and once per workflow its queue, to wake them).",
      "",
    );
  }
  const kids = p.children ?? [];
  const flat = p.noChild ?? [];
  if (kids.length > 0) {
    const rate = (rs) => (rs.length === 0 ? null : median(rs.map((r) => r.perSec)));
    const k = kids[0];
    out.push(
      `**callChild throughput**: ${n(k.runs)} parent runs, each \`await run.callChild("child", child, input)\` (the child`,
      `runs one step), triggered up front; one worker process serves both workflows (a workflow worker per workflow,`,
      `each at concurrency ${k.concurrency}): ${f1(rate(kids))} parent runs/s from the workers' start to the last \`callChild\``,
      `returning${flat.length > 0 ? `, against ${f1(rate(flat))} runs/s for the same parents doing the child's step themselves` : ""}.`,
      "A parent starts its child (its trigger and run in one transaction), is PAUSED while the child runs (no slot",
      "held), and is woken by the child's final transition in the same transaction, then replays to `result()`: two",
      "deliveries of the parent and one of the child per parent run.",
      `Statements per parent run (the worker process's, child included; median over rounds): ${f1(median(kids.map((r) => r.statementsPerRun)))}${flat.length > 0 ? ` with a child, ${f1(median(flat.map((r) => r.statementsPerRun)))} without` : ""};`,
      `by statement, per parent run: ${perRun(kids[kids.length - 1].statementMix)}.`,
      "",
    );
  }
  const sleepers = p.sleepOnce ?? [];
  if (sleepers.length > 0) {
    const z = sleepers[0];
    out.push(
      `**Runs that sleep once**: ${n(z.runs)} runs, each \`await run.sleep("nap", ${z.sleepMs})\` then one step, triggered up`,
      `front, one workflow worker at concurrency ${z.concurrency}: ${f1(median(sleepers.map((r) => r.perSec)))} runs/s from the worker's start to the last`,
      "run's end. The sleep pauses the run (PAUSED, its message released until the wake-up time, no slot held); the",
      "worker claims it again when it is due and replays it past the sleep: two deliveries per run.",
      `Statements per run (median over rounds): ${f1(median(sleepers.map((r) => r.statementsPerRun)))}; by statement, per run:`,
      `${perRun(sleepers[sleepers.length - 1].statementMix)}.`,
      "",
    );
  }
  return out.join("\n");
}
