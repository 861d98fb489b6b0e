/** Writes a run's pages: docs/benchmarks.md and its SVG charts, from the run's result alone. */
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { svgChart, tableRows } from "../lib/report.mjs";
import { scalingCharts } from "../scaling/report.mjs";
import { markdown } from "./markdown.mjs";

const SYSTEM_ORDER = ["pgqrs", "raw SQL", "pgbench", "graphile-worker", "pg-boss", "DBOS"];

/** The comparison table of a run's figures (each value with its `median`): pgqrs against every other system. */
export function comparisonTable(figures) {
  const systems = SYSTEM_ORDER.filter((s) => figures.some((f) => f.values[s] !== undefined));
  const comparisons = systems.filter((s) => s !== "pgqrs").map((s) => ["pgqrs", s]);
  return tableRows(figures, systems, comparisons);
}

/**
 * docs/benchmarks.md, docs/benchmarks-throughput.svg and the scaling charts from `result` (as in
 * bench/results/latest.json); `limits` are the run's time caps (ms). Returns the comparison table.
 */
export function writeDocs(result, limits) {
  const docs = fileURLToPath(new URL("../../docs/", import.meta.url));
  const table = comparisonTable(result.figures);
  const drainFigures = result.figures.filter((f) => f.id.startsWith("drain_") || f.id === "enqueue");
  const svg = svgChart(
    drainFigures,
    ["raw SQL", "pgqrs", "graphile-worker", "pg-boss"],
    "raw SQL",
    "Throughput relative to the raw-SQL loop (higher is better)",
  );
  mkdirSync(docs, { recursive: true });
  writeFileSync(`${docs}benchmarks-throughput.svg`, `${svg}\n`);
  for (const c of scalingCharts(result.scaling)) writeFileSync(`${docs}${c.file}`, `${c.svg}\n`);
  writeFileSync(`${docs}benchmarks.md`, markdown(result, table, limits));
  return table;
}
