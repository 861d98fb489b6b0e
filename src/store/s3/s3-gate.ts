/**
 * One operation at a time on an S3 store: a snapshot closes and reopens the cache database, and a durable write
 * publishes the file it just changed, so nothing may run on the cache meanwhile.
 */
export class Gate {
  #tail: Promise<unknown> = Promise.resolve();

  /** Run `fn` after every earlier call has settled; its outcome is the returned promise's. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(fn, fn);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}
