/**
 * One `abort` listener per `AbortSignal` for the whole package, fanning out to every loop and wait that watches it.
 * A process that shares one shutdown signal among many workers would otherwise add a listener per poll loop and per
 * pending wait to it, and past 10 Node prints `MaxListenersExceededWarning` (a leak warning for what is not one).
 * The listener is removed again when its last watcher stops watching, so a signal keeps nothing of ours.
 */

/** A watched signal's one listener and its watchers. */
interface Hub {
  readonly listener: () => void;
  readonly watchers: Set<() => void>;
}

/** The hubs of the signals watched now (and not aborted yet). */
const hubs = new WeakMap<AbortSignal, Hub>();

function openHub(signal: AbortSignal): Hub {
  const watchers = new Set<() => void>();
  const listener = () => {
    hubs.delete(signal);
    const all = [...watchers];
    watchers.clear();
    for (const watcher of all) {
      try {
        watcher();
      } catch (err) {
        // As an event listener's exception would be: reported, without stopping the other watchers.
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  };
  signal.addEventListener("abort", listener, { once: true });
  const hub = { listener, watchers };
  hubs.set(signal, hub);
  return hub;
}

/**
 * Call `fn` once when `signal` aborts. Like `addEventListener`, nothing happens for a signal that has already
 * aborted (callers check `signal.aborted` first). Returns the function that stops watching (idempotent).
 */
export function watchAbort(signal: AbortSignal, fn: () => void): () => void {
  const hub = hubs.get(signal) ?? openHub(signal);
  // A fresh entry per call, so one function watching twice is called twice and unwatched once per call.
  const entry = () => fn();
  hub.watchers.add(entry);
  return () => {
    if (!hub.watchers.delete(entry) || hub.watchers.size > 0 || hubs.get(signal) !== hub) return;
    hubs.delete(signal);
    signal.removeEventListener("abort", hub.listener);
  };
}
