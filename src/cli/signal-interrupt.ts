/**
 * Waits a command can be interrupted in (`workflow trigger --wait`, `demo`). Node's default on SIGINT or SIGTERM
 * kills the process where it stands, so the CLI never closes its store and the ephemeral producers and consumers it
 * registered stay `ready`/`polling` until `pgqrs worker health` calls them stale (no leaked worker
 * rows). Inside {@link interruptibly} a signal instead ends the wait with {@link CommandInterrupted}: the CLI closes
 * the store (which stops those workers) and exits 130 or 143, the code a shell reports for a process the signal
 * killed. The handlers are removed as soon as the wait ends, so a signal while the store closes kills the process
 * as before.
 */

/** The exit code of a command ended by each signal: 128 + the signal's number. */
const EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

/** A signal that interrupts a command's wait. */
export type StopSignal = keyof typeof EXIT_CODES;

/** A command's wait was ended by SIGINT or SIGTERM; the CLI exits {@link CommandInterrupted.exitCode} quietly. */
export class CommandInterrupted extends Error {
  /** The signal received. */
  readonly signal: StopSignal;
  /** 130 for SIGINT, 143 for SIGTERM. */
  readonly exitCode: number;

  constructor(signal: StopSignal) {
    super(`interrupted by ${signal}`);
    this.name = "CommandInterrupted";
    this.signal = signal;
    this.exitCode = EXIT_CODES[signal];
  }
}

/**
 * `wait(signal)` with SIGINT and SIGTERM caught: the first aborts `signal` (the wait stops polling and winds down:
 * a worker loop releases what it holds) and, once `wait` has settled, this rejects with {@link CommandInterrupted}
 * whatever `wait` ended with. A second signal before then (a query stuck on an unreachable database) exits at once.
 */
export async function interruptibly<T>(wait: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const handlers = (Object.keys(EXIT_CODES) as StopSignal[]).map((name) => {
    const handler = () => {
      if (controller.signal.aborted) process.exit(EXIT_CODES[name]);
      controller.abort(new CommandInterrupted(name));
    };
    process.on(name, handler);
    return [name, handler] as const;
  });
  const interrupted = () => controller.signal.reason as CommandInterrupted;
  try {
    const value = await wait(controller.signal);
    if (controller.signal.aborted) throw interrupted();
    return value;
  } catch (err) {
    throw controller.signal.aborted ? interrupted() : err;
  } finally {
    for (const [name, handler] of handlers) process.off(name, handler);
  }
}
