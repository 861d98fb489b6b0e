/**
 * What one execution of a run has in flight: the durable operations started and not settled yet, and the waits
 * they asked for. The worker's handler drains it before suspending the run, so a `Promise.all` fan-out whose first
 * branch waits does not leave the other branches' writes racing the suspension.
 */
import type { RunWait } from "./run-waits.js";

export class RunActivity {
  readonly #inflight = new Set<Promise<unknown>>();
  #waits: RunWait[] = [];

  /** Follow `op` until it settles; returns it unchanged. */
  track<T>(op: Promise<T>): Promise<T> {
    this.#inflight.add(op);
    const forget = () => {
      this.#inflight.delete(op);
    };
    op.then(forget, forget);
    return op;
  }

  /** Remember a wait of this execution. */
  addWait(wait: RunWait): void {
    this.#waits.push(wait);
  }

  /** Whether some operation of this execution asked to wait. */
  get waiting(): boolean {
    return this.#waits.length > 0;
  }

  /** The waits asked for so far (and forget them). */
  takeWaits(): RunWait[] {
    const waits = this.#waits;
    this.#waits = [];
    return waits;
  }

  /**
   * Resolve once nothing is in flight: operations settle, and the continuations they resume (which may start
   * more operations: a branch that started a child asks for its result) run before the next check.
   */
  async settle(): Promise<void> {
    for (;;) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.#inflight.size === 0) return;
      await Promise.allSettled([...this.#inflight]);
    }
  }
}
