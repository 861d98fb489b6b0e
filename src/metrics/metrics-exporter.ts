/**
 * The Prometheus exporter of one store: on each scrape it reads one snapshot from the database (so it reports the
 * work of every process sharing the database, whichever process serves `/metrics`) and renders the text format.
 *
 * Counters and the step histogram must only ever grow, yet retention deletes archived messages and finished runs.
 * So they are kept by the exporter itself: each scrape adds what the database shows archived (or finished) in the
 * window since the previous scrape, `(after, upTo]`, where `upTo` trails the clock by `settleMs` so that a
 * transaction stamped just before a scrape but committed just after it is still counted (by the next scrape).
 * Like any Prometheus counter they start at 0 when the exporter starts; use `rate()` / `increase()`.
 */
import type { Store } from "../api/pgqrs-store.js";
import { ValidationError } from "../errors.js";
import { applySnapshot } from "./apply-snapshot.js";
import { createMetricFamilies, DEFAULT_STEP_BUCKETS_SECONDS, type MetricFamilies } from "./metric-families.js";
import type { Registry } from "prom-client";

/** Options of {@link createMetricsExporter}. */
export interface MetricsExporterOptions {
  /**
   * Scrapes within this many milliseconds of a read share it, so a flood of scrapes costs one read. 0 reads on
   * every scrape (concurrent scrapes still share one read). Default 1000.
   */
  cacheMs?: number;
  /**
   * How far behind the clock the counted window ends, in milliseconds: a message archived (or a step finished) is
   * counted once it is this old, so transactions that commit late and clocks of other machines slightly ahead are
   * not missed. Default 5000.
   */
  settleMs?: number;
  /** Upper bounds of the step duration histogram's buckets, seconds, ascending. Default 10 ms … 1 h. */
  stepBucketsSeconds?: readonly number[];
  /**
   * Finished steps are looked for among this many newest step rows (bounding the read); a step that started
   * before this many newer steps started is not observed. Default 10,000.
   */
  stepRowsScanned?: number;
}

/** A Prometheus exporter of one store, created by {@link createMetricsExporter}. */
export class MetricsExporter {
  readonly #store: Store;
  readonly #families: MetricFamilies;
  readonly #cacheMs: number;
  readonly #settleMs: number;
  readonly #buckets: readonly number[];
  readonly #rows: number;
  /** Start of the next counted window (exclusive). */
  #after: Date;
  #last: { at: number; text: Promise<string>; pending: boolean } | undefined;

  /** The same as {@link createMetricsExporter}`(store, options)`. VALIDATION_FAILED for bad options. */
  constructor(store: Store, options: MetricsExporterOptions = {}) {
    this.#store = store;
    this.#cacheMs = nonNegative("cacheMs", options.cacheMs ?? 1000);
    this.#settleMs = nonNegative("settleMs", options.settleMs ?? 5000);
    this.#buckets = bucketsOf(options.stepBucketsSeconds ?? DEFAULT_STEP_BUCKETS_SECONDS);
    this.#rows = options.stepRowsScanned ?? 10_000;
    if (!Number.isInteger(this.#rows) || this.#rows < 1) {
      throw new ValidationError(`stepRowsScanned must be a positive integer, got ${String(options.stepRowsScanned)}`);
    }
    this.#families = createMetricFamilies(this.#buckets);
    this.#after = new Date(store.clock.now().getTime() - this.#settleMs);
  }

  /** The exporter's own prom-client registry (register your own metrics elsewhere, or merge registries). */
  get registry(): Registry {
    return this.#families.registry;
  }

  /** The `Content-Type` of {@link metrics}'s text (Prometheus text format 0.0.4). */
  get contentType(): string {
    return this.#families.registry.contentType;
  }

  /**
   * The metrics in the Prometheus text format, read from the database (or shared with a read less than `cacheMs`
   * old, or still running). Rejects when the database cannot be read; the next call reads again.
   */
  metrics(): Promise<string> {
    const t = this.#store.clock.now().getTime();
    const last = this.#last;
    // A clock set back (a test's ManualClock) ends the sharing rather than prolonging it.
    if (last !== undefined && (last.pending || (t >= last.at && t - last.at < this.#cacheMs))) return last.text;
    const entry = { at: t, text: this.#collect(t), pending: true };
    this.#last = entry;
    entry.text.then(
      () => {
        entry.pending = false;
      },
      () => {
        if (this.#last === entry) this.#last = undefined;
      },
    );
    return entry.text;
  }

  async #collect(t: number): Promise<string> {
    const ctx = this.#store.context;
    ctx.assertOpen();
    const upTo = new Date(Math.max(this.#after.getTime(), t - this.#settleMs));
    const started = performance.now();
    const snap = await ctx.backend.metricsSnapshot({
      now: new Date(t),
      maxReadCt: this.#store.config.maxReadCt,
      after: this.#after,
      upTo,
      stepBucketsSeconds: this.#buckets,
      stepRowsScanned: this.#rows,
    });
    // Only a successful read moves the window: a failed scrape's window is counted by the next one.
    this.#after = upTo;
    applySnapshot(this.#families, snap, new Date(t), this.#buckets);
    this.#families.readDuration.set((performance.now() - started) / 1000);
    return this.#families.registry.metrics();
  }
}

/**
 * A Prometheus exporter for `store`: `await exporter.metrics()` is the text to answer a scrape with, served with
 * `exporter.contentType`. Keep one exporter per process and serve every scrape from it (its counters count from
 * its start). VALIDATION_FAILED for bad options.
 */
export function createMetricsExporter(store: Store, options: MetricsExporterOptions = {}): MetricsExporter {
  return new MetricsExporter(store, options);
}

const defaults = new WeakMap<Store, MetricsExporter>();

/**
 * The metrics of `store` in the Prometheus text format (version 0.0.4), from one exporter per store created on the
 * first call with default options: mount it in your own HTTP server's `/metrics` route.
 */
export function metrics(store: Store): Promise<string> {
  let exporter = defaults.get(store);
  if (exporter === undefined) {
    exporter = new MetricsExporter(store);
    defaults.set(store, exporter);
  }
  return exporter.metrics();
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) {
    throw new ValidationError(`${name} must be a number of milliseconds >= 0, got ${String(value)}`);
  }
  return value;
}

function bucketsOf(bounds: readonly number[]): readonly number[] {
  const ok =
    bounds.length > 0 && bounds.every((b, i) => Number.isFinite(b) && b > 0 && (i === 0 || b > (bounds[i - 1] ?? 0)));
  if (!ok) {
    throw new ValidationError(
      `stepBucketsSeconds must be positive, finite and ascending, got [${bounds.map(String).join(", ")}]`,
    );
  }
  return Object.freeze([...bounds]);
}
