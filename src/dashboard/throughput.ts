/**
 * Messages completed per minute over the last hour, per queue, kept in memory.
 *
 * Why in memory: the read API has no "archived per minute" aggregate, and paging through every archived message
 * of the last hour on each request would be a full scan. So the tracker backfills once per queue from the
 * newest archived messages (bounded by {@link BACKFILL_CAP}), then follows the archived counts the overview
 * reads anyway: each new sample adds `Δarchived − Δdead-lettered` to the current minute.
 */
import type { Store } from "../api/pgqrs-store.js";
import type { QueueMetrics } from "../types.js";

export const MINUTES = 60;
const MINUTE_MS = 60_000;
/** Archived messages read per queue when backfilling; older minutes are marked partial beyond it. */
export const BACKFILL_CAP = 5_000;
const PAGE = 500;

interface QueueSeries {
  /** Completed count per absolute minute number (`floor(ms / 60000)`). */
  perMinute: Map<number, number>;
  lastArchived: number;
  lastDead: number;
  /** Minutes before this one may be undercounted (the backfill hit its cap). */
  partialBefore: number | null;
}

export interface ThroughputSeries {
  /** Oldest first; `MINUTES` values, the last one the current minute. */
  counts: number[];
  total: number;
  /** True when the backfill was capped, so early minutes may be low. */
  partial: boolean;
  /** True while a queue's history is still being read. */
  loading: boolean;
  /** Start of the first minute. */
  from: Date;
}

export class ThroughputTracker {
  readonly #store: Store;
  readonly #series = new Map<number, QueueSeries>();
  readonly #backfills = new Map<number, Promise<void>>();

  constructor(store: Store) {
    this.#store = store;
  }

  /** Fold in fresh metrics (backfilling queues seen for the first time). */
  async observe(metrics: readonly QueueMetrics[], now: Date): Promise<void> {
    await Promise.all(metrics.map((m) => this.#observeOne(m, now)));
    const live = new Set(metrics.map((m) => m.queueId));
    for (const id of this.#series.keys()) if (!live.has(id)) this.#series.delete(id);
  }

  /** The last hour of one queue, or of all queues when `queueId` is omitted. */
  series(now: Date, queueId?: number): ThroughputSeries {
    const current = Math.floor(now.getTime() / MINUTE_MS);
    const first = current - MINUTES + 1;
    const counts = new Array<number>(MINUTES).fill(0);
    let partial = false;
    for (const [id, s] of this.#series) {
      if (queueId !== undefined && id !== queueId) continue;
      if (s.partialBefore !== null && s.partialBefore > first) partial = true;
      for (const [minute, n] of s.perMinute) {
        if (minute >= first && minute <= current) counts[minute - first] = (counts[minute - first] ?? 0) + n;
      }
    }
    const loading = queueId === undefined ? this.#backfills.size > 0 : this.#backfills.has(queueId);
    return { counts, total: counts.reduce((a, b) => a + b, 0), partial, loading, from: new Date(first * MINUTE_MS) };
  }

  async #observeOne(m: QueueMetrics, now: Date): Promise<void> {
    const known = this.#series.get(m.queueId);
    if (known === undefined) {
      let pending = this.#backfills.get(m.queueId);
      if (pending === undefined) {
        pending = this.#backfill(m, now).finally(() => this.#backfills.delete(m.queueId));
        this.#backfills.set(m.queueId, pending);
      }
      await pending;
      return;
    }
    // Replays and purges make the counts go down; those minutes get nothing rather than a negative.
    const done = m.archivedMessages - known.lastArchived - (m.deadLetteredMessages - known.lastDead);
    known.lastArchived = m.archivedMessages;
    known.lastDead = m.deadLetteredMessages;
    if (done > 0) add(known.perMinute, Math.floor(now.getTime() / MINUTE_MS), done);
    prune(known.perMinute, now);
  }

  async #backfill(m: QueueMetrics, now: Date): Promise<void> {
    const since = now.getTime() - MINUTES * MINUTE_MS;
    const series: QueueSeries = {
      perMinute: new Map(),
      lastArchived: m.archivedMessages,
      lastDead: m.deadLetteredMessages,
      partialBefore: null,
    };
    const messages = this.#store.tables().messages();
    let read = 0;
    for (;;) {
      const page = await messages.listArchivedByQueue(m.queueId, { limit: PAGE, offset: read });
      read += page.length;
      let older = false;
      for (const msg of page) {
        const at = msg.archivedAt?.getTime() ?? 0;
        if (at < since) {
          older = true;
          break;
        }
        if (msg.deadLetteredAt === null) add(series.perMinute, Math.floor(at / MINUTE_MS), 1);
      }
      if (older || page.length < PAGE) break;
      if (read >= BACKFILL_CAP) {
        const last = page[page.length - 1]?.archivedAt?.getTime() ?? now.getTime();
        series.partialBefore = Math.floor(last / MINUTE_MS) + 1;
        break;
      }
    }
    this.#series.set(m.queueId, series);
  }
}

function add(map: Map<number, number>, minute: number, n: number): void {
  map.set(minute, (map.get(minute) ?? 0) + n);
}

function prune(map: Map<number, number>, now: Date): void {
  const first = Math.floor(now.getTime() / MINUTE_MS) - MINUTES;
  for (const minute of map.keys()) if (minute < first) map.delete(minute);
}
