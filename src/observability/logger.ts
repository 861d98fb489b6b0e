/**
 * The pluggable logger of pgqrs. The library never writes to the console: everything it has to say about work it
 * does in the background (maintenance failures, listener reconnects, retention rounds, schedule firing errors,
 * worker start and stop) goes to the logger given to `connect(dsn, { logger })`, and by default nowhere.
 *
 * The call shape is pino's, `logger.warn(fields, message)`, so a pino (or pino-compatible: bunyan-style child
 * loggers, a thin console adapter) instance can be passed as is. Errors are passed as the `err` field, which
 * pino serialises with its standard error serializer.
 */

/** Structured facts of one log line (`queue`, `workerId`, `err`, …); JSON-friendly values, errors as `err`. */
export type LogFields = Readonly<Record<string, unknown>>;

/** One level's method: `(fields, message)`, as pino calls it. */
export type LogMethod = (fields: LogFields, message: string) => void;

/**
 * A logger pgqrs can write to: four levels, each called as `logger.level(fields, message)`. A pino logger fits as
 * is; so does any object with these four methods. A method that throws is ignored (logging never breaks work).
 */
export interface Logger {
  /** Detail for troubleshooting: worker start and stop, listener (re)connects, rounds that did nothing unusual. */
  debug: LogMethod;
  /** Notable events in normal operation: a retention round that deleted rows, a zombie reclaim that freed work. */
  info: LogMethod;
  /** Something failed and will be retried on its own (a maintenance round, a heartbeat, a reconnect). */
  warn: LogMethod;
  /** Something failed that needs attention and will not fix itself. */
  error: LogMethod;
}

/** The levels of a {@link Logger}, least severe first. */
export type LogLevel = keyof Logger;

const noop: LogMethod = () => undefined;

/** The default logger: writes nothing. */
export const silentLogger: Logger = Object.freeze({ debug: noop, info: noop, warn: noop, error: noop });

/** True when `value` has the four methods of a {@link Logger}. */
export function isLogger(value: unknown): value is Logger {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return ["debug", "info", "warn", "error"].every((level) => typeof v[level] === "function");
}

/**
 * Write one line, never throwing: a logger that fails (a closed stream, a bug in a custom sink) must not turn a
 * background round into a failure. Called as a method, so pino's `this`-bound methods work.
 */
export function log(logger: Logger, level: LogLevel, fields: LogFields, message: string): void {
  try {
    logger[level](fields, message);
  } catch {
    // Logging is best effort by design.
  }
}
