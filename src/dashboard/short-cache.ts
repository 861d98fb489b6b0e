/**
 * Results of the aggregates that scan messages, shared for a short time by every request (open tabs refresh every
 * 2 s): one read per key per `ttlMs` however many tabs ask. Bounded: at most {@link MAX_KEYS} keys, oldest dropped.
 */
const MAX_KEYS = 64;

export class ShortCache {
  readonly #ttlMs: number;
  readonly #entries = new Map<string, { at: number; value: Promise<unknown> }>();

  constructor(ttlMs: number) {
    this.#ttlMs = ttlMs;
  }

  get<T>(key: string, load: () => Promise<T>): Promise<T> {
    const t = Date.now();
    const hit = this.#entries.get(key);
    if (hit !== undefined && t - hit.at <= this.#ttlMs) return hit.value as Promise<T>;
    const value = load();
    this.#entries.delete(key);
    this.#entries.set(key, { at: t, value });
    value.catch(() => {
      if (this.#entries.get(key)?.value === value) this.#entries.delete(key);
    });
    for (const [k, e] of this.#entries) {
      if (this.#entries.size <= MAX_KEYS && t - e.at <= this.#ttlMs) break;
      this.#entries.delete(k);
    }
    return value;
  }
}
