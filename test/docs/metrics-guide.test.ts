/**
 * docs/guides/metrics.md, executed: on each backend its ```ts samples run in order, as written, in ONE fresh
 * database; each must exit 0, print no "Error", and print every line a `console.log(…); // expected` comment
 * announces, in order (mounting the exporter in an HTTP server, counters across scrapes and retention, the metrics
 * server and its token). The guide's metric table is the exporter's: every family a real scrape shows is listed
 * with its type and labels, and nothing else. Samples import "pgqrs", which resolves to the built dist/.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import * as pgqrs from "../../src/index.js";
import { parsePrometheus } from "../support/prometheus-text.js";
import { openTestStore } from "../support/stores.js";
import { expectedOutput, fencedBlocks, samplesPrintWhatTheySay } from "./sample-support.js";

vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });

const ROOT = process.cwd();
const GUIDE = "docs/guides/metrics.md";
const markdown = readFileSync(join(ROOT, GUIDE), "utf8");
const samples = fencedBlocks(markdown, /^(ts|typescript)$/).map((b) => ({ name: `${GUIDE}:${b.line}`, ...b }));

/** The metric table: name → { type, labels }. */
function documentedMetrics(): Map<string, { type: string; labels: string[] }> {
  const rows = new Map<string, { type: string; labels: string[] }>();
  for (const line of markdown.split("\n")) {
    const m = /^\| `(pgqrs_[a-z_]+)` +\| (\w+) +\| ([^|]*)\|/.exec(line);
    if (m === null) continue;
    const labels = [...(m[3] ?? "").matchAll(/`(\w+)`/g)].map((x) => x[1] as string).sort();
    rows.set(m[1] as string, { type: (m[2] as string).toUpperCase(), labels });
  }
  return rows;
}

describe("the metrics guide", () => {
  it("lists exactly the metrics a scrape shows, with their types and labels", async () => {
    const t = await openTestStore("sqlite");
    await pgqrs.admin(t.store).createQueue("guide_q");
    await t.store.createWorkflow("guide_wf");
    await t.store.producer("guide_q");
    const text = await pgqrs.metrics(t.store);
    const families = parsePrometheus(text);
    // The parser keeps a histogram's labels only on its series parsed as plain samples.
    const plain = parsePrometheus(text.replace(/^# TYPE (\S+) histogram$/gm, "# TYPE $1 untyped"));
    const documented = documentedMetrics();
    expect([...documented.keys()].sort()).toEqual(families.map((f) => f.name).sort());
    for (const f of families) {
      const series = f.type === "HISTOGRAM" ? plain.filter((p) => p.name === `${f.name}_count`) : [f];
      const labels = new Set(series.flatMap((x) => x.metrics.flatMap((m) => Object.keys(m.labels ?? {}))));
      labels.delete("le");
      expect(documented.get(f.name), f.name).toEqual({ type: f.type, labels: [...labels].sort() });
    }
  });

  it("shows the library API, the server, the dashboard and the CLI", () => {
    const code = samples.map((s) => s.code).join("\n");
    for (const api of [
      "createMetricsExporter(",
      "exporter.contentType",
      "pgqrs.metrics(store)",
      "startMetricsServer(",
    ]) {
      expect(code, api).toContain(api);
    }
    for (const text of ["pgqrs metrics --port", "PGQRS_METRICS_TOKEN", "/metrics", "rate(", "histogram_quantile("]) {
      expect(markdown, text).toContain(text);
    }
    expect(pgqrs.DEFAULT_STEP_BUCKETS_SECONDS[0]).toBe(0.01);
    expect(pgqrs.DEFAULT_STEP_BUCKETS_SECONDS.at(-1)).toBe(3600);
    for (const s of samples) expect(expectedOutput(s.code).length, s.name).toBeGreaterThan(0);
  });

  samplesPrintWhatTheySay(samples);
});
