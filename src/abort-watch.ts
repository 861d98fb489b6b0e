/**
 * One `abort` listener per `AbortSignal` for the whole package, fanning out to every loop and wait that watches it.
 * A process that shares one shutdown signal among many workers would otherwise add a listener per poll loop and per
 * pending wait to it, and past 10 Node prints `MaxListenersExceededWarning` (a leak warning for what is not one).
 */

/** The callbacks watching each signal that has not aborted yet. */
const watchers = new WeakMap<AbortSignal, Set<() => void>>();

/**
 * Call `fn` once when `signal` aborts. Like `addEventListener`, nothing happens for a signal that has already
 * aborted (callers check `signal.aborted` first). Returns the function that stops watching (idempotent).
 */
export function watchAbort(signal: AbortSignal, fn: () => void): () => void {
  let set = watchers.get(signal);
  if (set === undefined) {
    const created = new Set<() => void>();
    set = created;
    watchers.set(signal, created);
    signal.addEventListener(
      "abort",
      () => {
        watchers.delete(signal);
        for (const watcher of [...created]) {
          try {
            watcher();
          } catch (err) {
            // As an event listener's exception would be: reported, without stopping the other watchers.
            queueMicrotask(() => {
              throw err;
            });
          }
        }
        created.clear();
      },
      { once: true },
    );
  }
  // A fresh entry per call, so one function watching twice is called twice and unwatched once per call.
  const entry = () => fn();
  const watching = set;
  watching.add(entry);
  return () => {
    watching.delete(entry);
  };
}
