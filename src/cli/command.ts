import type { Admin, Config, Store } from "../index.js";
import { BACKEND_DEFINITIONS } from "../store/backend-registry.js";

/** One flag of a command. `int` flags take whole numbers >= 0. */
export interface FlagSpec {
  type: "string" | "int" | "boolean";
  description: string;
  /** Shown in help after the flag (`--limit N`). */
  placeholder?: string;
}

/** A positional argument. */
export interface ArgSpec {
  name: string;
  required: boolean;
  /** Takes every remaining word. */
  variadic?: boolean;
}

/** What a command produced: `data` is printed by `--json`, `human` otherwise. */
export interface CommandResult {
  data: unknown;
  human: string;
  /** Exit code when not 0 (e.g. `verify` of a broken schema is an error). */
  exitCode?: number;
  /** The command wrote its own output already. */
  printed?: boolean;
}

/** Everything a command's `run` gets. */
export interface CommandContext {
  args: string[];
  flags: ParsedFlags;
  json: boolean;
  verbose: boolean;
  /** The resolved configuration: the flags mapped onto `Config.loadWithOptions` (see docs/configuration.md). */
  config: () => Config;
  /** The store, connected on first use and closed by the CLI afterwards. */
  store: () => Promise<Store>;
  admin: () => Promise<Admin>;
  /** Progress and notices: stderr, so stdout stays the result. */
  err: NodeJS.WriteStream;
  out: NodeJS.WriteStream;
}

export class ParsedFlags {
  readonly #values: Map<string, string | number | boolean>;

  constructor(values: Map<string, string | number | boolean>) {
    this.#values = values;
  }

  has(name: string): boolean {
    return this.#values.has(name);
  }

  string(name: string): string | undefined {
    const v = this.#values.get(name);
    return typeof v === "string" ? v : undefined;
  }

  int(name: string): number | undefined {
    const v = this.#values.get(name);
    return typeof v === "number" ? v : undefined;
  }

  bool(name: string): boolean {
    return this.#values.get(name) === true;
  }
}

/** A command of the CLI: `name` is its words (`"queue create"`). */
export interface CommandSpec {
  name: string;
  summary: string;
  args?: ArgSpec[];
  flags?: Record<string, FlagSpec>;
  examples?: string[];
  /** Longer explanation shown in `--help`. */
  details?: string;
  /** Not listed in help (internal entry points). */
  hidden?: boolean;
  run(ctx: CommandContext): Promise<CommandResult | undefined>;
}

/** Flags every command takes. */
export const GLOBAL_FLAGS: Record<string, FlagSpec> = {
  dsn: {
    type: "string",
    placeholder: "DSN",
    description: `Database: ${BACKEND_DEFINITIONS.map((b) => b.dsnForms[0]).join(", ")}, … (env PGQRS_DSN)`,
  },
  schema: { type: "string", placeholder: "NAME", description: "Postgres schema (env PGQRS_SCHEMA, default public)" },
  config: {
    type: "string",
    placeholder: "FILE",
    description: "Config file (env PGQRS_CONFIG_FILE; else ./pgqrs.yaml, ./pgqrs.yml or ./pgqrs.json)",
  },
  json: { type: "boolean", description: 'Machine-readable output (errors too: {"error":{code,message}})' },
  verbose: { type: "boolean", description: "Stack traces and details on errors" },
  help: { type: "boolean", description: "Show help" },
};
