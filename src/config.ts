import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { PgqrsError } from "./errors.js";
import { defaultValidationConfig, type ValidationConfig } from "./validation-config.js";

/** The backends a DSN can name. */
export type BackendKind = "postgres" | "sqlite";

const ACCEPTED_DSNS =
  "postgres://…, postgresql://…, sqlite://relative/or/absolute/path.db, sqlite:///absolute/path.db, sqlite::memory:";

/** Which backend a DSN names; INVALID_CONFIG listing the accepted forms otherwise. */
export function detectBackend(dsn: string): BackendKind {
  if (dsn.startsWith("postgres://") || dsn.startsWith("postgresql://")) return "postgres";
  if (dsn.startsWith("sqlite:")) return "sqlite";
  throw new PgqrsError(
    "INVALID_CONFIG",
    `Invalid configuration value for dsn: Unsupported DSN format: ${maskDsn(dsn)}. Accepted forms: ${ACCEPTED_DSNS}`,
    { details: { field: "dsn" } },
  );
}

/** The SQLite file path a `sqlite:` DSN names (`:memory:` for an in-memory database). */
export function sqlitePathFromDsn(dsn: string): string {
  let rest = dsn.slice("sqlite:".length);
  if (rest === ":memory:" || rest === "//:memory:") return ":memory:";
  if (rest.startsWith("//")) rest = rest.slice(2);
  const q = rest.indexOf("?");
  if (q >= 0) rest = rest.slice(0, q);
  if (rest === "") {
    throw new PgqrsError(
      "INVALID_CONFIG",
      `Invalid configuration value for dsn: SQLite DSN has no path. Accepted forms: ${ACCEPTED_DSNS}`,
      {
        details: { field: "dsn" },
      },
    );
  }
  return rest;
}

/**
 * The DSN with any password replaced by `***`, safe for logs and errors: the password in the authority
 * (`user:secret@`; the last `@` ends the user info, so a password containing `@` is masked whole) and any
 * `password=` query parameter.
 */
export function maskDsn(dsn: string): string {
  let out = dsn;
  const authority = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)@/i.exec(dsn);
  if (authority?.[1] !== undefined && authority[2] !== undefined) {
    const userInfo = authority[2];
    const colon = userInfo.indexOf(":");
    const user = colon < 0 ? userInfo : `${userInfo.slice(0, colon)}:***`;
    out = `${authority[1]}${user}@${dsn.slice(authority[0].length)}`;
  }
  return out.replace(/([?&]password=)[^&#]*/gi, "$1***");
}

/**
 * Check a Postgres schema name: a letter or `_` first, then letters, digits, `_` or `$`, at most 63 bytes.
 * INVALID_CONFIG naming the bad character otherwise.
 */
export function validateSchemaName(schema: string): void {
  const fail = (message: string): never => {
    throw new PgqrsError("INVALID_CONFIG", `Invalid configuration value for schema: ${message}`, {
      details: { field: "schema", value: schema },
    });
  };
  if (schema.length === 0) fail("Schema name cannot be empty");
  if (Buffer.byteLength(schema, "utf8") > 63) fail(`Schema name '${schema}' exceeds maximum length of 63 bytes`);
  if (!/^[A-Za-z_]/.test(schema)) fail(`Schema name '${schema}' must start with a letter or underscore`);
  for (const ch of schema) {
    if (!/[A-Za-z0-9_$]/.test(ch)) {
      fail(
        `Schema name '${schema}' contains invalid character '${ch}'. Only letters, digits, underscores, and dollar signs are allowed`,
      );
    }
  }
}

/** Fields a {@link Config} can be built from; everything but `dsn` is optional. */
export interface ConfigInput {
  dsn: string;
  /** Postgres schema holding the tables. Default `"public"`; created by `install()` when missing. */
  schema?: string;
  /** Postgres pool size. Default 16. */
  maxConnections?: number;
  /** Time allowed to open a connection, seconds. Default 30. */
  connectionTimeoutSeconds?: number;
  /** pgqrs's documented lock time, seconds. Default 5. Kept for compatibility; leases use `defaultVtSeconds`. */
  defaultLockTimeSeconds?: number;
  /** Default lease taken by `dequeue` when no `vtSeconds` is given, seconds. Default 30. */
  defaultVtSeconds?: number;
  /** Largest batch the engine asks for by default. Default 100. */
  defaultMaxBatchSize?: number;
  /** Leases a message may receive before it is dead: dequeue skips `readCt >= maxReadCt`. Default 5. */
  maxReadCt?: number;
  /** Background heartbeat period of live workers, seconds (> 0, fractions allowed). Default 5. */
  heartbeatIntervalSeconds?: number;
  /** Alias of `heartbeatIntervalSeconds` (pgqrs's name). */
  heartbeatInterval?: number;
  /** Idle poll period of poll loops, milliseconds. Default 250. */
  pollIntervalMs?: number;
  /** Payload validation and rate limiting; fields not given keep their defaults. */
  validationConfig?: Partial<ValidationConfig>;
  /** SQLite settings. */
  sqlite?: { useWal?: boolean; busyTimeoutMs?: number };
  /**
   * Postgres DSN of a direct connection for LISTEN (enqueue wake-ups) when `dsn` goes through PgBouncer in
   * transaction mode. Default: `dsn` itself.
   */
  listenDsn?: string | undefined;
}

/** Where {@link Config.loadWithOptions} looks, besides `PGQRS_*` variables and the working directory. */
export interface LoadConfigOptions {
  /** A DSN that wins over every file; the other fields still come from `PGQRS_*` variables. Default: none. */
  dsn?: string | undefined;
  /** A schema that replaces whatever the chosen source says; validated. Default: none. */
  schema?: string | undefined;
  /** A YAML/JSON file read instead of `PGQRS_CONFIG_FILE`, the environment and `./pgqrs.yaml`. Default: none. */
  configFile?: string | undefined;
  /** The environment to read. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Directory that `./pgqrs.yaml` and relative `configFile` paths are resolved against. Default `process.cwd()`. */
  cwd?: string;
}

/** Files `Config.load` looks for in the working directory, in this order, when nothing else names a database. */
const DEFAULT_CONFIG_FILES = ["pgqrs.yaml", "pgqrs.yml"] as const;

/**
 * Resolved configuration: every field set. Build with `new Config(…)`, `Config.fromDsn`, `fromEnv`, `fromFile`
 * or `load`.
 */
export class Config {
  readonly dsn: string;
  schema: string;
  maxConnections: number;
  connectionTimeoutSeconds: number;
  defaultLockTimeSeconds: number;
  defaultVtSeconds: number;
  defaultMaxBatchSize: number;
  maxReadCt: number;
  heartbeatIntervalSeconds: number;
  pollIntervalMs: number;
  validationConfig: ValidationConfig;
  sqlite: { useWal: boolean; busyTimeoutMs: number };
  listenDsn: string | undefined;

  constructor(input: ConfigInput) {
    if (typeof input?.dsn !== "string" || input.dsn.length === 0) {
      throw new PgqrsError("MISSING_CONFIG", "Missing required configuration: dsn", { details: { field: "dsn" } });
    }
    this.dsn = input.dsn;
    this.schema = input.schema ?? "public";
    validateSchemaName(this.schema);
    this.maxConnections = positiveInt("maxConnections", input.maxConnections, 16);
    this.connectionTimeoutSeconds = nonNegative("connectionTimeoutSeconds", input.connectionTimeoutSeconds, 30);
    this.defaultLockTimeSeconds = nonNegative("defaultLockTimeSeconds", input.defaultLockTimeSeconds, 5);
    this.defaultVtSeconds = nonNegative("defaultVtSeconds", input.defaultVtSeconds, 30);
    this.defaultMaxBatchSize = positiveInt("defaultMaxBatchSize", input.defaultMaxBatchSize, 100);
    this.maxReadCt = positiveInt("maxReadCt", input.maxReadCt, 5);
    // Zero would switch heartbeats off while loops still reclaim workers whose heartbeat is old: live workers
    // would be taken for dead.
    this.heartbeatIntervalSeconds = positive(
      "heartbeatIntervalSeconds",
      input.heartbeatIntervalSeconds ?? input.heartbeatInterval,
      5,
    );
    this.pollIntervalMs = nonNegative("pollIntervalMs", input.pollIntervalMs, 250);
    this.validationConfig = {
      ...defaultValidationConfig(),
      ...validationOverrides("validationConfig", input.validationConfig ?? {}),
    };
    this.sqlite = { useWal: input.sqlite?.useWal ?? true, busyTimeoutMs: input.sqlite?.busyTimeoutMs ?? 5000 };
    this.listenDsn = input.listenDsn;
  }

  /** pgqrs's name for `heartbeatIntervalSeconds`. */
  get heartbeatInterval(): number {
    return this.heartbeatIntervalSeconds;
  }

  /** The backend the DSN names. */
  get backend(): BackendKind {
    return detectBackend(this.dsn);
  }

  /**
   * A copy with another schema. Unlike pgqrs's `with_schema`, the name is validated (INVALID_CONFIG): a Config
   * never holds a schema that would be interpolated into `search_path` unchecked.
   */
  withSchema(schema: string): Config {
    return this.#copy({ schema });
  }

  /** A copy with another Postgres pool size (a positive integer; INVALID_CONFIG otherwise). */
  withMaxConnections(maxConnections: number): Config {
    return this.#copy({ maxConnections });
  }

  #copy(overrides: Omit<ConfigInput, "dsn">): Config {
    // Deep, so the copy's validation key lists are its own.
    return new Config({ ...structuredClone({ ...this }), ...overrides });
  }

  /** All defaults for this DSN; reads no environment. */
  static fromDsn(dsn: string, overrides: Omit<ConfigInput, "dsn"> = {}): Config {
    return new Config({ ...overrides, dsn });
  }

  /** All defaults for this DSN with a schema of its own; INVALID_CONFIG when the schema name is not valid. */
  static fromDsnWithSchema(dsn: string, schema: string): Config {
    return Config.fromDsn(dsn, { schema });
  }

  /**
   * From `PGQRS_*` environment variables. `PGQRS_DSN` is required (MISSING_CONFIG); numbers that do not parse
   * are an INVALID_CONFIG naming the variable. `PGQRS_VALIDATION_CONFIG` is a JSON object with any of the
   * validation fields, snake_case (as pgqrs writes them) or camelCase; unknown keys are an INVALID_CONFIG.
   */
  static fromEnv(env: NodeJS.ProcessEnv = process.env): Config {
    const dsn = env.PGQRS_DSN;
    if (dsn === undefined || dsn === "") {
      throw new PgqrsError("MISSING_CONFIG", "Missing required configuration: PGQRS_DSN", {
        details: { field: "PGQRS_DSN" },
      });
    }
    const input: ConfigInput = { dsn };
    if (env.PGQRS_SCHEMA) input.schema = env.PGQRS_SCHEMA;
    if (env.PGQRS_LISTEN_DSN) input.listenDsn = env.PGQRS_LISTEN_DSN;
    const num = (name: string): number | undefined => envNumber(env, name);
    const set = <K extends keyof ConfigInput>(key: K, value: ConfigInput[K] | undefined): void => {
      if (value !== undefined) input[key] = value;
    };
    set("maxConnections", num("PGQRS_MAX_CONNECTIONS"));
    set("connectionTimeoutSeconds", num("PGQRS_CONNECTION_TIMEOUT"));
    set("defaultLockTimeSeconds", num("PGQRS_DEFAULT_LOCK_TIME"));
    set("defaultVtSeconds", num("PGQRS_DEFAULT_VT"));
    set("defaultMaxBatchSize", num("PGQRS_DEFAULT_BATCH_SIZE"));
    set("maxReadCt", num("PGQRS_MAX_READ_CT"));
    set("heartbeatIntervalSeconds", num("PGQRS_HEARTBEAT_INTERVAL"));
    set("pollIntervalMs", num("PGQRS_POLL_INTERVAL_MS"));
    if (env.PGQRS_VALIDATION_CONFIG) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(env.PGQRS_VALIDATION_CONFIG);
      } catch (cause) {
        throw configError("PGQRS_VALIDATION_CONFIG", `not valid JSON: ${reason(cause)}`, { cause });
      }
      input.validationConfig = validationOverrides("PGQRS_VALIDATION_CONFIG", parsed);
    }
    if (env.PGQRS_SQLITE_USE_WAL !== undefined && env.PGQRS_SQLITE_USE_WAL !== "") {
      input.sqlite = { useWal: !/^(false|0|no|off)$/i.test(env.PGQRS_SQLITE_USE_WAL.trim()) };
    }
    return new Config(input);
  }

  /**
   * From a YAML or JSON file with the snake_case or camelCase field names. INVALID_CONFIG with field `file` when
   * it cannot be read, `yaml` when it does not parse or has no `dsn`.
   */
  static fromFile(path: string): Config {
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (cause) {
      throw configError("file", `Failed to read config file '${path}': ${reason(cause)}`, { cause, path });
    }
    // pgqrs's message for every parse failure; the file is named too, since `load` may have picked it.
    const parseError = (problem: string, cause?: unknown): PgqrsError =>
      configError("yaml", `Failed to parse YAML config: ${problem.trimEnd()}\n(in config file '${path}')`, {
        cause,
        path,
      });
    let raw: unknown;
    try {
      raw = parseYaml(text);
    } catch (cause) {
      throw parseError(reason(cause), cause);
    }
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
      throw parseError(`expected a mapping of fields, got ${Array.isArray(raw) ? "a list" : String(raw)}`);
    }
    const input = camelizeConfig(raw as Record<string, unknown>);
    if (input.dsn === undefined) throw parseError("missing field `dsn`");
    if (typeof input.dsn !== "string") throw parseError("field `dsn` must be a string");
    return new Config(input as unknown as ConfigInput);
  }

  /** {@link Config.loadWithOptions} with no explicit DSN, schema or file. */
  static load(): Config {
    return Config.loadWithOptions();
  }

  /**
   * The configuration from the first source that names a database: an explicit `dsn` (other fields from
   * `PGQRS_*` variables), an explicit `configFile`, the file `PGQRS_CONFIG_FILE` names, `PGQRS_*` variables
   * (when `PGQRS_DSN` is set), `./pgqrs.yaml`, `./pgqrs.yml`. An explicit `schema` then replaces the source's.
   * MISSING_CONFIG with field `configuration` when no source names a database.
   */
  static loadWithOptions(options: LoadConfigOptions = {}): Config {
    const env = options.env ?? process.env;
    const cwd = options.cwd ?? process.cwd();
    if (options.dsn !== undefined) {
      // An empty explicit DSN is the caller's mistake, not a cue to fall back to PGQRS_DSN.
      if (options.dsn === "") {
        throw new PgqrsError("MISSING_CONFIG", "Missing required configuration: dsn (the explicit DSN is empty)", {
          details: { field: "dsn" },
        });
      }
      const schema = options.schema === undefined ? {} : { PGQRS_SCHEMA: options.schema };
      return Config.fromEnv({ ...env, ...schema, PGQRS_DSN: options.dsn });
    }
    const config = loadFromSources(env, cwd, options.configFile);
    return options.schema === undefined ? config : config.withSchema(options.schema);
  }
}

function loadFromSources(env: NodeJS.ProcessEnv, cwd: string, configFile: string | undefined): Config {
  const file = configFile ?? (env.PGQRS_CONFIG_FILE || undefined);
  if (file !== undefined) return Config.fromFile(resolve(cwd, file));
  // pgqrs falls through on any from_env error; here only a missing PGQRS_DSN does, so a bad PGQRS_* value is
  // reported instead of silently connecting to whatever ./pgqrs.yaml names.
  if (env.PGQRS_DSN) return Config.fromEnv(env);
  for (const name of DEFAULT_CONFIG_FILES) {
    const path = resolve(cwd, name);
    if (existsSync(path)) return Config.fromFile(path);
  }
  throw new PgqrsError(
    "MISSING_CONFIG",
    "Missing required configuration: configuration. Pass a DSN or config file, set PGQRS_DSN or " +
      "PGQRS_CONFIG_FILE, or write ./pgqrs.yaml with `dsn:`",
    { details: { field: "configuration" } },
  );
}

const VALIDATION_KEYS = Object.keys(defaultValidationConfig());

/**
 * Validation overrides from user input (a file, an environment variable or code): a plain object whose keys,
 * snake_case or camelCase, are validation fields. Unknown keys are refused rather than kept, since a misspelt
 * limit would otherwise be silently ignored.
 */
function validationOverrides(field: string, raw: unknown): Partial<ValidationConfig> {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw configError(field, `expected an object of validation fields, got ${JSON.stringify(raw)}`);
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const camel = camelize(key);
    if (!VALIDATION_KEYS.includes(camel)) {
      const known = VALIDATION_KEYS.map((k) => `${k} (${snakeCase(k)})`).join(", ");
      throw configError(field, `unknown key '${key}'. Known keys: ${known}`, { key });
    }
    out[camel] = value;
  }
  return out as Partial<ValidationConfig>;
}

function configError(
  field: string,
  message: string,
  extra: { cause?: unknown; [k: string]: unknown } = {},
): PgqrsError {
  const { cause, ...details } = extra;
  return new PgqrsError("INVALID_CONFIG", `Invalid configuration value for ${field}: ${message}`, {
    cause,
    details: { field, ...details },
  });
}

function reason(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

function camelize(key: string): string {
  return key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function camelizeConfig(raw: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const camel = camelize(key);
    // validationOverrides camelizes its own keys, so its errors can name a key as the file spells it.
    const nested = camel !== "validationConfig" && value !== null && typeof value === "object";
    out[camel] = nested && !Array.isArray(value) ? camelizeConfig(value as Record<string, unknown>) : value;
  }
  return out;
}

function envNumber(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return undefined;
  const n = Number(raw);
  // pgqrs silently uses the default here; a mistyped number should not quietly run with another setting.
  if (!Number.isFinite(n)) throw configError(name, `'${raw}' is not a number`);
  return n;
}

function positiveInt(field: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw configError(field, `expected a positive integer, got ${value}`);
  }
  return value;
}

function nonNegative(field: string, value: number | undefined, fallback: number): number {
  return boundedNumber(field, value, fallback, (v) => v >= 0, "a number >= 0");
}

function positive(field: string, value: number | undefined, fallback: number): number {
  return boundedNumber(field, value, fallback, (v) => v > 0, "a number > 0");
}

function boundedNumber(
  field: string,
  value: number | undefined,
  fallback: number,
  ok: (v: number) => boolean,
  expected: string,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || !ok(value)) {
    throw configError(field, `expected ${expected}, got ${value}`);
  }
  return value;
}
