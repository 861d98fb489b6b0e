import { readFileSync } from "node:fs";
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

/** Resolved configuration: every field set. Build with `new Config(…)`, `Config.fromDsn`, `fromEnv` or `fromFile`. */
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
    this.validationConfig = { ...defaultValidationConfig(), ...(input.validationConfig ?? {}) };
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

  /** All defaults for this DSN; reads no environment. */
  static fromDsn(dsn: string, overrides: Omit<ConfigInput, "dsn"> = {}): Config {
    return new Config({ ...overrides, dsn });
  }

  /**
   * From `PGQRS_*` environment variables. `PGQRS_DSN` is required (MISSING_CONFIG); numbers that do not parse
   * are an INVALID_CONFIG naming the variable.
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
      try {
        input.validationConfig = JSON.parse(env.PGQRS_VALIDATION_CONFIG) as Partial<ValidationConfig>;
      } catch (cause) {
        throw new PgqrsError(
          "INVALID_CONFIG",
          "Invalid configuration value for PGQRS_VALIDATION_CONFIG: not valid JSON",
          {
            cause,
            details: { field: "PGQRS_VALIDATION_CONFIG" },
          },
        );
      }
    }
    if (env.PGQRS_SQLITE_USE_WAL !== undefined && env.PGQRS_SQLITE_USE_WAL !== "") {
      input.sqlite = { useWal: !/^(false|0|no|off)$/i.test(env.PGQRS_SQLITE_USE_WAL.trim()) };
    }
    return new Config(input);
  }

  /** From a YAML or JSON file with the snake_case or camelCase field names. INVALID_CONFIG on read/parse errors. */
  static fromFile(path: string): Config {
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (cause) {
      throw new PgqrsError(
        "INVALID_CONFIG",
        `Invalid configuration value for file: Failed to read config file '${path}'`,
        {
          cause,
          details: { field: "file", path },
        },
      );
    }
    let raw: unknown;
    try {
      raw = parseYaml(text);
    } catch (cause) {
      throw new PgqrsError(
        "INVALID_CONFIG",
        `Invalid configuration value for yaml: Failed to parse config file '${path}'`,
        {
          cause,
          details: { field: "yaml", path },
        },
      );
    }
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
      throw new PgqrsError("INVALID_CONFIG", `Invalid configuration value for yaml: '${path}' is not a mapping`, {
        details: { field: "yaml", path },
      });
    }
    const input = camelizeConfig(raw as Record<string, unknown>);
    if (typeof input.dsn !== "string") {
      throw new PgqrsError("INVALID_CONFIG", `Invalid configuration value for yaml: '${path}' has no \`dsn\``, {
        details: { field: "yaml", path },
      });
    }
    return new Config(input as unknown as ConfigInput);
  }
}

function camelizeConfig(raw: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const camel = key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    out[camel] =
      value !== null && typeof value === "object" && !Array.isArray(value)
        ? camelizeConfig(value as Record<string, unknown>)
        : value;
  }
  return out;
}

function envNumber(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n)) {
    throw new PgqrsError("INVALID_CONFIG", `Invalid configuration value for ${name}: '${raw}' is not a number`, {
      details: { field: name },
    });
  }
  return n;
}

function positiveInt(field: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new PgqrsError(
      "INVALID_CONFIG",
      `Invalid configuration value for ${field}: expected a positive integer, got ${value}`,
      {
        details: { field },
      },
    );
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
    throw new PgqrsError(
      "INVALID_CONFIG",
      `Invalid configuration value for ${field}: expected ${expected}, got ${value}`,
      {
        details: { field },
      },
    );
  }
  return value;
}
