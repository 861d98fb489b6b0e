import { inspect } from "node:util";
import { PgqrsError } from "../errors.js";
import type { ValidationConfig } from "../validation-config.js";
import { CONFIG_FIELDS, CONFIG_GROUPS } from "./config-fields.js";
import { pickSource, readConfigFile, readEnv, readMapping } from "./config-sources.js";
import { type BackendKind, detectBackend, maskDsn } from "./dsn.js";

/** SQLite settings. */
export interface SqliteConfig {
  /** Journal in WAL mode, so readers do not block the writer. Default `true`. Env `PGQRS_SQLITE_USE_WAL`. */
  useWal: boolean;
  /**
   * How long a statement waits for another connection's lock before failing with BUSY, milliseconds (integer,
   * 0 to 2^31 − 1). Default 5000. Env `PGQRS_SQLITE_BUSY_TIMEOUT_MS`.
   */
  busyTimeoutMs: number;
}

/** Settings of the S3 backend (`s3://bucket/key` DSNs). */
export interface S3Config {
  /**
   * `"durable"`: each write is published to S3 before its call resolves; `"local"`: writes stay in the local cache
   * until `asS3(store).sync()`. Default `"durable"`. Env `PGQRS_S3_MODE`.
   */
  mode: "durable" | "local";
  /** Directory of the local SQLite cache; required for S3 stores. Default none. Env `PGQRS_S3_CACHE_DIR`. */
  cacheDir: string | undefined;
}

/**
 * Fields a {@link Config} can be built from; everything but `dsn` is optional. Keys may also be written in
 * snake_case (`max_read_ct`), as in a config file; unknown keys are an INVALID_CONFIG naming the closest valid one.
 */
export interface ConfigInput {
  /**
   * Names the backend and the database: `postgres://…`, `postgresql://…`, `sqlite://path.db`, `sqlite:///abs.db`,
   * `sqlite::memory:`, `turso:///abs.db`, `turso://rel.db` or `turso:rel.db` (every registered backend's forms).
   * Required.
   */
  dsn: string;
  /** Postgres schema holding the tables. Default `"public"`; created by `install()` when missing. */
  schema?: string;
  /** Postgres pool size, connections (integer 1 to 1000). Default 16. */
  maxConnections?: number;
  /** Time allowed to open a connection, seconds (0 to 2147483; 0 waits forever). Default 30. */
  connectionTimeoutSeconds?: number;
  /** pgqrs's documented lock time, seconds (>= 0). Default 5. Kept for compatibility; leases use `defaultVtSeconds`. */
  defaultLockTimeSeconds?: number;
  /** Default lease taken by `dequeue` when no `vtSeconds` is given, seconds (0 to 2147483). Default 30. */
  defaultVtSeconds?: number;
  /** Largest batch the engine asks for by default, messages (integer 1 to 10000). Default 100. */
  defaultMaxBatchSize?: number;
  /** Leases a message may receive before it is dead: dequeue skips `readCt >= maxReadCt` (integer >= 1). Default 5. */
  maxReadCt?: number;
  /** Background heartbeat period of live workers, seconds (> 0 to 2147483, fractions allowed). Default 5. */
  heartbeatIntervalSeconds?: number;
  /** Alias of `heartbeatIntervalSeconds` (pgqrs's name), seconds. */
  heartbeatInterval?: number;
  /** Idle poll period of poll loops, milliseconds (0 to 2^31 − 1). Default 250. */
  pollIntervalMs?: number;
  /** Payload validation and rate limiting; fields not given keep their defaults. */
  validationConfig?: Partial<ValidationConfig>;
  /** SQLite settings; fields not given keep their defaults. */
  sqlite?: Partial<SqliteConfig>;
  /** S3 settings; fields not given keep their defaults (`cacheDir` is required by S3 stores). */
  s3?: Partial<S3Config>;
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

const defaults = (): Record<string, unknown> => {
  const out: Record<string, unknown> = {};
  for (const f of CONFIG_FIELDS) if (f.default !== undefined && f.aliasOf === undefined) out[f.name] = f.default;
  for (const g of CONFIG_GROUPS) {
    out[g.name] = Object.fromEntries(g.fields.map((f) => [f.name, structuredClone(f.default)]));
  }
  return out;
};

/**
 * Resolved configuration: every field set and checked against the field table (`src/config/config-fields.ts`).
 * Build with `new Config(…)`, `Config.fromDsn`, `fromEnv`, `fromFile` or `load`. `JSON.stringify`, `console.log`
 * and `util.inspect` show the DSNs with their passwords masked.
 */
export class Config {
  /** The database, as given (with its password: never log it; use {@link maskDsn}). */
  readonly dsn: string;
  /** Postgres schema holding the tables. Default `"public"`. */
  schema: string;
  /** Postgres pool size, connections. Default 16. */
  maxConnections: number;
  /** Time allowed to open a connection, seconds. Default 30. */
  connectionTimeoutSeconds: number;
  /** pgqrs's documented lock time, seconds. Default 5 (unused by the engine; leases use `defaultVtSeconds`). */
  defaultLockTimeSeconds: number;
  /** Default lease of `dequeue`, seconds. Default 30. */
  defaultVtSeconds: number;
  /** Largest batch the engine asks for by default, messages. Default 100. */
  defaultMaxBatchSize: number;
  /** Deliveries before a message is dead. Default 5. */
  maxReadCt: number;
  /** Heartbeat period of live workers, seconds. Default 5. */
  heartbeatIntervalSeconds: number;
  /** Idle poll period of poll loops, milliseconds. Default 250. */
  pollIntervalMs: number;
  /** Payload limits and rate limiting. Defaults: see `defaultValidationConfig()`. */
  validationConfig: ValidationConfig;
  /** SQLite settings. Defaults: WAL on, busy timeout 5000 ms. */
  sqlite: SqliteConfig;
  /** S3 settings. Defaults: durable mode, no cache directory. */
  s3: S3Config;
  /** Direct Postgres DSN for LISTEN. Default `undefined` (the `dsn`). */
  listenDsn: string | undefined;

  /** Validates `input` and fills in every default; MISSING_CONFIG without a `dsn`, INVALID_CONFIG for a bad value. */
  constructor(input: ConfigInput) {
    if (typeof input?.dsn !== "string" || input.dsn.length === 0) {
      throw new PgqrsError("MISSING_CONFIG", "Missing required configuration: dsn", { details: { field: "dsn" } });
    }
    const given = readMapping(input, { path: "", label: "ConfigInput" });
    const all = defaults();
    for (const [key, value] of Object.entries(given)) {
      all[key] = CONFIG_GROUPS.some((g) => g.name === key) ? { ...(all[key] as object), ...(value as object) } : value;
    }
    if (given.heartbeatIntervalSeconds === undefined && given.heartbeatInterval !== undefined) {
      all.heartbeatIntervalSeconds = given.heartbeatInterval;
    }
    this.dsn = input.dsn;
    this.schema = all.schema as string;
    this.maxConnections = all.maxConnections as number;
    this.connectionTimeoutSeconds = all.connectionTimeoutSeconds as number;
    this.defaultLockTimeSeconds = all.defaultLockTimeSeconds as number;
    this.defaultVtSeconds = all.defaultVtSeconds as number;
    this.defaultMaxBatchSize = all.defaultMaxBatchSize as number;
    this.maxReadCt = all.maxReadCt as number;
    this.heartbeatIntervalSeconds = all.heartbeatIntervalSeconds as number;
    this.pollIntervalMs = all.pollIntervalMs as number;
    this.validationConfig = structuredClone(all.validationConfig) as ValidationConfig;
    this.sqlite = { ...(all.sqlite as SqliteConfig) };
    this.s3 = { ...(all.s3 as S3Config) };
    this.listenDsn = all.listenDsn as string | undefined;
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

  /** A copy with another Postgres pool size (an integer from 1 to 1000; INVALID_CONFIG otherwise). */
  withMaxConnections(maxConnections: number): Config {
    return this.#copy({ maxConnections });
  }

  /** The fields with every DSN password masked: what `JSON.stringify(config)` writes. */
  toJSON(): Record<string, unknown> {
    const fields = structuredClone({ ...this }) as unknown as Record<string, unknown>;
    return {
      ...fields,
      dsn: maskDsn(this.dsn),
      listenDsn: this.listenDsn === undefined ? undefined : maskDsn(this.listenDsn),
    };
  }

  /** `console.log(config)` and `util.inspect(config)`: the fields with passwords masked. */
  [inspect.custom](depth: number, options: object): string {
    return `Config ${inspect(this.toJSON(), { ...options, depth })}`;
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
   * From `PGQRS_*` environment variables (see the field table in docs/configuration.md). `PGQRS_DSN` is required
   * (MISSING_CONFIG); a value that does not parse or is out of range is an INVALID_CONFIG naming the variable.
   * `PGQRS_VALIDATION_CONFIG` is a JSON object with any of the validation fields, snake_case (as pgqrs writes them)
   * or camelCase; unknown keys are an INVALID_CONFIG naming the closest valid one.
   */
  static fromEnv(env: NodeJS.ProcessEnv = process.env): Config {
    const dsn = env.PGQRS_DSN;
    if (dsn === undefined || dsn === "") {
      throw new PgqrsError("MISSING_CONFIG", "Missing required configuration: PGQRS_DSN", {
        details: { field: "PGQRS_DSN" },
      });
    }
    return new Config({ ...readEnv(env), dsn } as ConfigInput);
  }

  /**
   * From a YAML or JSON file with the snake_case or camelCase field names. INVALID_CONFIG with field `file` when
   * it cannot be read, `yaml` when it does not parse or has no `dsn`, and the key's path (`sqlite.use_wal`) when a
   * value has the wrong type or range or a key is unknown.
   */
  static fromFile(path: string): Config {
    return new Config(readConfigFile(path) as unknown as ConfigInput);
  }

  /** {@link Config.loadWithOptions} with no explicit DSN, schema or file. */
  static load(): Config {
    return Config.loadWithOptions();
  }

  /**
   * The configuration from the first source that names a database: an explicit `dsn` (other fields from
   * `PGQRS_*` variables), an explicit `configFile`, the file `PGQRS_CONFIG_FILE` names, `PGQRS_*` variables
   * (when `PGQRS_DSN` is set), `./pgqrs.yaml`, `./pgqrs.yml`, `./pgqrs.json`. An explicit `schema` then replaces the
   * source's. MISSING_CONFIG with field `configuration` when no source names a database. The CLI resolves its
   * `--dsn`, `--schema` and `--config` through this same function.
   */
  static loadWithOptions(options: LoadConfigOptions = {}): Config {
    const env = options.env ?? process.env;
    const cwd = options.cwd ?? process.cwd();
    let config: Config;
    if (options.dsn !== undefined) {
      // An empty explicit DSN is the caller's mistake, not a cue to fall back to PGQRS_DSN.
      if (options.dsn === "") {
        throw new PgqrsError("MISSING_CONFIG", "Missing required configuration: dsn (the explicit DSN is empty)", {
          details: { field: "dsn" },
        });
      }
      config = Config.fromEnv({ ...env, PGQRS_DSN: options.dsn });
    } else {
      const source = pickSource(env, cwd, options.configFile);
      config = source.kind === "file" ? Config.fromFile(source.path) : Config.fromEnv(env);
    }
    return options.schema === undefined ? config : config.withSchema(options.schema);
  }
}
