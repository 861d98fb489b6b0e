/**
 * The Prometheus text format, parsed by `parse-prometheus-text-format` (a port of the Prometheus Python client's
 * parser), with checks of the conventions every pgqrs metric follows, and lookups by name and labels.
 */
// @ts-expect-error The package ships no type declarations; its output is described by `Family` below.
import parsePrometheusTextFormat from "parse-prometheus-text-format";

export interface Sample {
  labels?: Record<string, string>;
  value?: string;
  buckets?: Record<string, string>;
  count?: string;
  sum?: string;
}

export interface Family {
  name: string;
  help: string;
  type: "GAUGE" | "COUNTER" | "HISTOGRAM" | "SUMMARY" | "UNTYPED";
  metrics: Sample[];
}

/** Parse the text; throws when the parser does. */
export function parsePrometheus(text: string): Family[] {
  return (parsePrometheusTextFormat as (t: string) => Family[])(text);
}

/**
 * Why `text` breaks a convention: every family has HELP and TYPE lines, a `pgqrs_` snake_case name, `_total` exactly
 * on counters, snake_case label names. Empty when it breaks none.
 */
export function conventionProblems(text: string): string[] {
  const problems: string[] = [];
  const lines = text.split("\n");
  const helped = new Set(lines.filter((l) => l.startsWith("# HELP ")).map((l) => l.split(" ")[2]));
  const typed = new Map(lines.filter((l) => l.startsWith("# TYPE ")).map((l) => [l.split(" ")[2], l.split(" ")[3]]));
  for (const f of parsePrometheus(text)) {
    if (!helped.has(f.name) || f.help.trim() === "") problems.push(`${f.name}: no HELP`);
    if (!typed.has(f.name)) problems.push(`${f.name}: no TYPE`);
    if (!/^pgqrs_[a-z][a-z0-9_]*$/.test(f.name)) problems.push(`${f.name}: not pgqrs_ snake_case`);
    if ((f.type === "COUNTER") !== f.name.endsWith("_total")) problems.push(`${f.name}: _total iff counter`);
    for (const m of f.metrics) {
      for (const label of Object.keys(m.labels ?? {})) {
        if (!/^[a-z][a-z0-9_]*$/.test(label)) problems.push(`${f.name}: label ${label}`);
      }
    }
  }
  return problems;
}

/** The family `name`; throws when absent. */
export function family(families: readonly Family[], name: string): Family {
  const f = families.find((x) => x.name === name);
  if (f === undefined) throw new Error(`no metric family ${name}`);
  return f;
}

/** The sample of `name` whose labels are exactly `labels`; `undefined` when there is none. */
export function sample(families: readonly Family[], name: string, labels: Record<string, string>): Sample | undefined {
  const want = JSON.stringify(Object.entries(labels).sort());
  return family(families, name).metrics.find((m) => JSON.stringify(Object.entries(m.labels ?? {}).sort()) === want);
}

/** The numeric value of a gauge or counter sample; NaN when it is absent. */
export function valueIn(families: readonly Family[], name: string, labels: Record<string, string>): number {
  return Number(sample(families, name, labels)?.value ?? Number.NaN);
}

/** The label sets of a family, sorted, as `k=v,k=v` strings. */
export function labelSets(families: readonly Family[], name: string): string[] {
  return family(families, name)
    .metrics.map((m) =>
      Object.entries(m.labels ?? {})
        .sort()
        .map(([k, v]) => `${k}=${v}`)
        .join(","),
    )
    .sort();
}

/**
 * One series of a histogram with labels: `{ buckets: { le: count }, sum, count }`, or `undefined` when absent. The
 * parser merges a labelled histogram's series into one (it flattens buckets only without other labels), so its
 * lines are parsed as plain samples (`_bucket`, `_sum`, `_count` each a family of its own).
 */
export function histogram(
  text: string,
  name: string,
  labels: Record<string, string>,
): { buckets: Record<string, number>; sum: number; count: number } | undefined {
  const plain = parsePrometheus(text.replace(new RegExp(`^# TYPE ${name} histogram$`, "m"), `# TYPE ${name} untyped`));
  const count = valueIn(plain, `${name}_count`, labels);
  if (Number.isNaN(count)) return undefined;
  const buckets: Record<string, number> = {};
  for (const m of family(plain, `${name}_bucket`).metrics) {
    const { le, ...rest } = m.labels ?? {};
    if (
      le !== undefined &&
      JSON.stringify(Object.entries(rest).sort()) === JSON.stringify(Object.entries(labels).sort())
    ) {
      buckets[le] = Number(m.value);
    }
  }
  return { buckets, sum: valueIn(plain, `${name}_sum`, labels), count };
}
