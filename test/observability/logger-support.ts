/** Loggers for the logging tests: one that captures lines, and a tiny pino-shaped one (pino is not a dependency). */
import { afterAll } from "vitest";
import * as pgqrs from "../../src/index.js";
import { type BackendName, dropSchema, freshDatabase } from "../support/backends.js";

export interface LogLine {
  level: pgqrs.LogLevel;
  fields: pgqrs.LogFields;
  message: string;
}

/** A logger that keeps every line. */
export function capturingLogger(): pgqrs.Logger & { lines: LogLine[]; find(message: RegExp): LogLine | undefined } {
  const lines: LogLine[] = [];
  const at =
    (level: pgqrs.LogLevel) =>
    (fields: pgqrs.LogFields, message: string): void => {
      lines.push({ level, fields, message });
    };
  return {
    lines,
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    find: (message) => lines.find((l) => message.test(l.message)),
  };
}

/**
 * What pino does with a call, in miniature: methods that read `this` (so they must be called as methods), a
 * numeric level, the fields merged into one JSON object with `msg`, and `err` serialised to type/message/stack.
 */
export class PinoShapedLogger {
  readonly records: Record<string, unknown>[] = [];
  readonly #levels = { debug: 20, info: 30, warn: 40, error: 50 } as const;
  readonly #bindings: Record<string, unknown>;

  constructor(bindings: Record<string, unknown> = {}) {
    this.#bindings = bindings;
  }

  debug(obj: object, msg?: string): void {
    this.#write("debug", obj, msg);
  }
  info(obj: object, msg?: string): void {
    this.#write("info", obj, msg);
  }
  warn(obj: object, msg?: string): void {
    this.#write("warn", obj, msg);
  }
  error(obj: object, msg?: string): void {
    this.#write("error", obj, msg);
  }

  #write(level: keyof PinoShapedLogger["levels"], obj: object, msg: string | undefined): void {
    const fields: Record<string, unknown> = { ...obj };
    const err = fields.err;
    if (err instanceof Error) fields.err = { type: err.name, message: err.message, stack: err.stack };
    // Like pino: one JSON line per call.
    const line = JSON.stringify({ level: this.#levels[level], ...this.#bindings, ...fields, msg });
    this.records.push(JSON.parse(line) as Record<string, unknown>);
  }

  get levels(): { debug: 20; info: 30; warn: 40; error: 50 } {
    return this.#levels;
  }
}

/** A fresh, installed store of the backend with this logger (and clock), closed after the file's tests. */
export async function openLoggedStore(
  backend: BackendName,
  logger: pgqrs.Logger,
  options: { clock?: pgqrs.Clock; pollIntervalMs?: number; maxReadCt?: number } = {},
): Promise<{ store: pgqrs.Store; schema: string }> {
  const { dsn, schema } = freshDatabase(backend);
  const store = await pgqrs.connect(dsn, { schema, logger, ...options });
  await pgqrs.admin(store).install();
  afterAll(async () => {
    await store.close();
    if (backend === "postgres") await dropSchema(schema);
  });
  return { store, schema };
}
