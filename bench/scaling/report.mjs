/** The scaling section of docs/benchmarks.md and its charts (bench/scaling/scaling.mjs's results). */
import { lineChart } from "./chart.mjs";

const int = (v) => (v === null || v === undefined ? "—" : Math.round(v).toLocaleString("en-US"));
const dec = (v, d = 2) => (v === null || v === undefined ? "—" : v.toFixed(d));
const ratio = (a, b) => (a && b ? `${(a / b).toFixed(2)}x` : "n/a");
const mib = (bytes) => (bytes === undefined ? "—" : (bytes / 2 ** 20).toFixed(1));

/** Mean of `key` over the samples whose `processed` lies in [from, to] (fractions of the run). */
function meanOver(samples, key, from, to) {
  const last = samples.at(-1)?.processed ?? 0;
  const xs = samples.filter((s) => s.processed >= from * last && s.processed <= to * last).map((s) => s[key]);
  return xs.length === 0 ? undefined : xs.reduce((a, x) => a + x, 0) / xs.length;
}

/** Memory growth between the first tenth of the run (after start-up) and its last tenth, bytes. */
export function memoryGrowth(memory) {
  const s = memory.samples;
  const early = (key) => meanOver(s, key, 0.05, 0.15);
  const late = (key) => meanOver(s, key, 0.9, 1);
  return {
    rssEarly: early("rss"),
    rssLate: late("rss"),
    heapEarly: early("heapUsed"),
    heapLate: late("heapUsed"),
  };
}

/** The drain rate of one long drain: medians of its first and last quarter of stretches, and the extremes. */
export function sustainedDrain(memory) {
  const s = memory.stretches.map((x) => x.perSec).filter((v) => Number.isFinite(v));
  const q = Math.max(1, Math.floor(s.length / 4));
  const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const first = med(s.slice(0, q));
  const last = med(s.slice(-q));
  const dead = memory.stretches.map((x) => x.deadTuples).filter((v) => v !== undefined);
  const vacuums = memory.stretches.map((x) => x.vacuums).filter((v) => v !== undefined);
  // Rate against the dead tuples at the end of each stretch: stretches below a fifth of the most seen, and above
  // four fifths (a vacuum pass mid-drain resets the count, so first/last quarters alone can hide it).
  const most = dead.length > 0 ? Math.max(...dead) : 0;
  const withDead = memory.stretches.filter((x) => x.deadTuples !== undefined && Number.isFinite(x.perSec));
  const fewRates = withDead.filter((x) => x.deadTuples < most / 5).map((x) => x.perSec);
  const manyRates = withDead.filter((x) => x.deadTuples > (most * 4) / 5).map((x) => x.perSec);
  const fewDead = fewRates.length > 0 ? med(fewRates) : undefined;
  const manyDead = manyRates.length > 0 ? med(manyRates) : undefined;
  return {
    first,
    last,
    ratio: first ? last / first : null,
    fewDead,
    manyDead,
    min: Math.min(...s),
    max: Math.max(...s),
    maxDead: dead.length > 0 ? Math.max(...dead) : undefined,
    vacuums: vacuums.length > 0 ? vacuums.at(-1) - vacuums[0] : undefined,
  };
}

/** The floor of item 3: drain at the largest backlog within 15 % of the smallest. */
export function backlogFloor(backlog) {
  const small = backlog.sizes[0];
  const large = backlog.sizes.at(-1);
  const r = small?.perSec && large?.perSec ? large.perSec / small.perSec : null;
  return { small, large, ratio: r, met: r === null ? null : r >= 0.85 };
}

export function scalingCharts(scaling) {
  if (scaling === undefined) return [];
  const out = [];
  const { backlog, memory, processes } = scaling;
  if (backlog !== undefined || memory !== undefined) {
    const series = [];
    if (backlog !== undefined)
      series.push({ name: `${int(backlog.window)} from it`, points: backlog.sizes.map((s) => [s.size, s.perSec]) });
    if (memory !== undefined) {
      // The one long drain, as the backlog shrinks: rate of each stretch against what was left at its start.
      const left = (processed) => memory.messages - processed + memory.sampleEvery;
      series.push({
        name: "one drain to empty",
        points: memory.stretches.filter((s) => left(s.processed) > 0).map((s) => [left(s.processed), s.perSec]),
        dashed: true,
      });
    }
    out.push({
      file: "benchmarks-scaling-backlog.svg",
      svg: lineChart({
        title: "Drain rate (K=16 B=50) by backlog waiting",
        xLabel: "messages waiting (log scale)",
        yLabel: "jobs/s",
        series,
        logX: true,
        xTicks: backlog?.sizes.map((s) => s.size),
      }),
    });
  }
  if (memory !== undefined) {
    out.push({
      file: "benchmarks-scaling-memory.svg",
      svg: lineChart({
        title: `A worker's memory over ${int(memory.messages)} messages`,
        xLabel: "messages handled",
        yLabel: "MiB",
        series: [
          { name: "RSS", points: memory.samples.map((s) => [s.processed, s.rss / 2 ** 20]) },
          { name: "heap after GC", points: memory.samples.map((s) => [s.processed, s.heapUsed / 2 ** 20]) },
        ],
      }),
    });
  }
  if (processes !== undefined) {
    out.push({
      file: "benchmarks-scaling-processes.svg",
      svg: lineChart({
        title: "One database, 1 to 8 worker processes",
        xLabel: "worker processes (K=16 B=50 each)",
        yLabel: "jobs/s, all processes",
        series: [{ name: "measured", points: processes.counts.map((c) => [c.processes, c.perSec]) }],
        xTicks: processes.counts.map((c) => c.processes),
      }),
    });
  }
  return out.filter((c) => c.svg !== undefined);
}

function backlogPart(b) {
  const f = backlogFloor(b);
  const rows = b.sizes.map(
    (s) =>
      `| ${int(s.size)} waiting | ${int(s.perSec)} | ${ratio(s.perSec, f.small.perSec)} | ${s.rates.map(int).join(", ")} |`,
  );
  const h = b.history;
  return `**Backlog.** A K=16 B=50 loop drains ${int(b.window)} messages from a queue topped up to the backlog
before each window (medians of ${b.rounds} windows per case, interleaved; a loop claims up to K×B = ${int(b.k * b.b)}
at a time, so a window may handle up to that many more). The smallest backlog is drained to empty, so its window also
holds the loop's last, partial claims:

| backlog | jobs/s | vs ${int(f.small.size)} | windows |
|---|---:|---:|---|
${rows.join("\n")}

Floor (issue 21): drain with ${int(f.large.size)} waiting within 15 % of ${int(f.small.size)} waiting:
**${f.met === null ? "not measured" : f.met ? "met" : "not met"}** (${dec(f.ratio)}x).

**History.** The same ${int(b.window)}-message drain from a queue that also holds ${int(b.archived)} archived
rows, against one whose archived rows are deleted before each window; and the claim alone, ${b.claims} sequential
one-message claims (\`consumer.dequeue()\`), p50/p99 of their round trips:

| archived rows | drain jobs/s | claim p50 (ms) | claim p99 (ms) |
|---:|---:|---:|---:|
| none | ${int(h.none.perSec)} | ${dec(h.none.claimP50)} | ${dec(h.none.claimP99)} |
| ${int(b.archived)} | ${int(h.archived.perSec)} | ${dec(h.archived.claimP50)} | ${dec(h.archived.claimP99)} |
| ratio | ${ratio(h.archived.perSec, h.none.perSec)} | ${ratio(h.none.claimP50, h.archived.claimP50)} | |
`;
}

function queuesPart(q) {
  return `**Many queues.** ${int(q.queues)} queues with ${q.perQueue} messages each, one consumer per queue, drained
by one loop visiting them in turn (claim the queue's ${q.perQueue}, archive them: two statements per queue):
${int(q.manyPerSec)} jobs/s, against ${int(q.onePerSec)} jobs/s for the same loop making as many claims of
${q.perQueue} from one queue of ${int(q.queues * q.perQueue)} (**${ratio(q.manyPerSec, q.onePerSec)}**; medians of
${q.rounds} rounds). One more sweep over the ${int(q.queues)} empty queues took ${int(q.idleSweepMs)} ms
(${dec(q.idleSweepMs / q.queues)} ms per empty claim); registering the ${int(q.queues)} consumers took
${int(q.registerMs)} ms.
`;
}

function workersPart(w) {
  const rows = w.cases.map(
    (c) =>
      `| ${c.workers} | ${c.withLoop ? "idle handler loop" : "registered, no loop"} | ${dec(c.statementsPerSecPerWorker)} | ${dec(c.xactsPerSecPerWorker)} | ${dec(c.serverCpuMsPerSecPerWorker)} | ${Object.entries(
        c.statementMix,
      )
        .map(([k, v]) => `\`${k.replace(/^pgqrs_[0-9a-f]+_/, "")}\` ${v}`)
        .join(", ")} |`,
  );
  return `**Idle workers.** n workers, each a store of its own (own pool and LISTEN connection, as n processes have)
with one registered consumer, over ${w.windowSeconds} s windows after 12 s of settling. Statements are counted on
the workers' pools; transactions (commits and rollbacks in \`pg_stat_database\`) and the server's CPU time (its
processes in /proc) are what the database did beyond its idle baseline (${dec(w.baseline.xactsPerSec)}
transactions/s, ${dec(w.baseline.cpuMsPerSec)} ms CPU/s with no workers), divided among the workers. Defaults:
poll interval 250 ms, heartbeat 5 s.

| workers | each | statements/s per worker | transactions/s per worker | server CPU ms/s per worker | statements/s per worker, by kind |
|---:|---|---:|---:|---:|---|
${rows.join("\n")}
`;
}

function memoryPart(m) {
  const g = memoryGrowth(m);
  const d = sustainedDrain(m);
  return `**Memory.** One worker process (K=16 B=50, no-op handler, run with \`--expose-gc\`) handles
${int(m.processed)} messages written up front (${int(m.perSec)} jobs/s over ${dec(m.seconds, 0)} s), sampling its
memory every ${int(m.sampleEvery)} messages, the heap after a full collection. At start RSS ${mib(m.first.rss)} MiB,
heap ${mib(m.first.heapUsed)} MiB; mean over the run's first tenth (after start-up) RSS ${mib(g.rssEarly)} MiB,
heap ${mib(g.heapEarly)} MiB; over its last tenth RSS ${mib(g.rssLate)} MiB, heap ${mib(g.heapLate)} MiB
(RSS ${ratio(g.rssLate, g.rssEarly)}, heap ${ratio(g.heapLate, g.heapEarly)} of the early figure).

![A worker's memory](benchmarks-scaling-memory.svg)

**Sustained drain.** The same run's rate per ${int(m.sampleEvery)}-message stretch (dashed in the backlog chart):
median ${int(d.first)} jobs/s over the first quarter (${int(m.messages)} waiting and down), ${int(d.last)} over the
last (**${dec(d.ratio)}x**), stretches from ${int(d.min)} to ${int(d.max)} jobs/s${
    d.maxDead === undefined
      ? ""
      : `; up to ${int(d.maxDead)} dead tuples in \`pgqrs_messages\`, ${d.vacuums} vacuum pass(es) completed during the drain. Median rate of the stretches that ended with under a fifth of that many dead tuples: ${int(d.fewDead)} jobs/s; with over four fifths: ${int(d.manyDead)} jobs/s (**${ratio(d.manyDead, d.fewDead)}**)`
  }. Every claim and archive leaves a dead row version whose entries stay in the claim index until a vacuum removes
them, at the head of the queue's range; a store's claims start after them once a claim came back full (claim bounds,
\`src/store/postgres/postgres-claim-bound.ts\`), so a claim's cost does not grow with them (before the bounds, the
last quarter of this drain ran at about half the first quarter's rate).
`;
}

function processesPart(p) {
  const one = p.counts.find((c) => c.processes === 1)?.perSec;
  const rows = p.counts.map(
    (c) =>
      `| ${c.processes} | ${int(c.perSec)} | ${ratio(c.perSec, one)} | ${dec(c.workersCpu)} | ${dec(c.serverCpu)} | ${c.passes.map(int).join(", ")} |`,
  );
  return `**Worker processes.** n processes, each one consumer loop (K=16 B=50, no-op handler), drain one queue
(${int(p.backlog)} waiting) for ${dec(p.windowMs / 1000, 0)} s windows that open 1.5 s after they start; counts
up then down, ${p.rounds} pass(es), median; CPU in cores busy over the window (this machine has
${p.cores}), for the worker processes together and for the database server:

| processes | jobs/s (all) | vs 1 process | workers' CPU (cores) | server CPU (cores) | passes |
|---:|---:|---:|---:|---:|---|
${rows.join("\n")}

![Worker processes](benchmarks-scaling-processes.svg)
`;
}

export function scalingMarkdown(scaling) {
  if (scaling === undefined) return "";
  const parts = [
    scaling.backlog && backlogPart(scaling.backlog),
    (scaling.backlog || scaling.memory) && "![Drain rate by backlog](benchmarks-scaling-backlog.svg)\n",
    scaling.queues && queuesPart(scaling.queues),
    scaling.workers && workersPart(scaling.workers),
    scaling.memory && memoryPart(scaling.memory),
    scaling.processes && processesPart(scaling.processes),
  ].filter(Boolean);
  const failed = Object.entries(scaling.failures ?? {}).map(([k, v]) => `- ${k}: ${v.split("\n")[0]}`);
  return `
## Scaling (issue 21)

Cost as the work grows, measured once per invocation (\`node bench/run.mjs --only scaling\`${scaling.quick ? ", **quick sizes: orientation only**" : ""}),
each part in schemas of its own; backlogs and histories are written with \`INSERT … SELECT generate_series\` into
pgqrs's own table. This machine is a shared, loaded 2-core box: absolute figures are noisy, read the ratios.

${parts.join("\n")}${failed.length > 0 ? `\nNot measured in this run:\n${failed.join("\n")}\n` : ""}`;
}
