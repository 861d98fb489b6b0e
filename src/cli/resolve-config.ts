import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { Config, type ConfigInput, PgqrsError } from "../index.js";
import { UsageError } from "./cli-errors.js";

/** Config files looked for in the current directory when `--config` is not given. */
export const CONFIG_FILES = ["pgqrs.yaml", "pgqrs.yml", "pgqrs.json"] as const;

/** `PGQRS_*` variables and the field each sets (parsed and checked by `Config.fromEnv`). */
const ENV_FIELDS: readonly [string, keyof ConfigInput][] = [
  ["PGQRS_SCHEMA", "schema"],
  ["PGQRS_MAX_CONNECTIONS", "maxConnections"],
  ["PGQRS_CONNECTION_TIMEOUT", "connectionTimeoutSeconds"],
  ["PGQRS_DEFAULT_LOCK_TIME", "defaultLockTimeSeconds"],
  ["PGQRS_DEFAULT_VT", "defaultVtSeconds"],
  ["PGQRS_DEFAULT_BATCH_SIZE", "defaultMaxBatchSize"],
  ["PGQRS_MAX_READ_CT", "maxReadCt"],
  ["PGQRS_HEARTBEAT_INTERVAL", "heartbeatIntervalSeconds"],
  ["PGQRS_POLL_INTERVAL_MS", "pollIntervalMs"],
  ["PGQRS_VALIDATION_CONFIG", "validationConfig"],
  ["PGQRS_SQLITE_USE_WAL", "sqlite"],
];

export interface ConfigSources {
  /** `--dsn`, `--schema`, `--config`. */
  dsn?: string | undefined;
  schema?: string | undefined;
  configFile?: string | undefined;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Used when no source names a database (the demo's SQLite file). */
  defaultDsn?: string;
}

/**
 * The configuration of one invocation: flags, then `PGQRS_*` environment variables, then the config file, field
 * by field. No DSN anywhere is a usage error.
 */
export function resolveConfig(src: ConfigSources): Config {
  const input: Partial<ConfigInput> = readConfigFile(src);
  const env = src.env;
  if (env.PGQRS_DSN) {
    const fromEnv = Config.fromEnv(env);
    for (const [name, field] of ENV_FIELDS) {
      if (env[name] !== undefined && env[name] !== "")
        Object.assign(input, { [field]: fromEnv[field as keyof Config] });
    }
    input.dsn = fromEnv.dsn;
  } else {
    // No PGQRS_DSN: still honour the other variables (Config.fromEnv needs a DSN to parse them).
    const fromEnv = Config.fromEnv({ ...env, PGQRS_DSN: "sqlite::memory:" });
    for (const [name, field] of ENV_FIELDS) {
      if (env[name] !== undefined && env[name] !== "")
        Object.assign(input, { [field]: fromEnv[field as keyof Config] });
    }
  }
  if (src.dsn !== undefined) input.dsn = src.dsn;
  if (src.schema !== undefined) input.schema = src.schema;
  if (input.dsn === undefined && src.defaultDsn !== undefined) input.dsn = src.defaultDsn;
  if (input.dsn === undefined) {
    throw new UsageError("no database given: pass --dsn DSN, set PGQRS_DSN, or write a pgqrs.yaml with `dsn:`");
  }
  return new Config(input as ConfigInput);
}

function readConfigFile(src: ConfigSources): Partial<ConfigInput> {
  const explicit = src.configFile ?? (src.env.PGQRS_CONFIG || src.env.PGQRS_CONFIG_FILE);
  const path =
    explicit !== undefined && explicit !== ""
      ? resolve(src.cwd, explicit)
      : CONFIG_FILES.map((f) => resolve(src.cwd, f)).find((p) => existsSync(p));
  if (path === undefined) return {};
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, "utf8"));
  } catch (cause) {
    throw new PgqrsError("INVALID_CONFIG", `Invalid configuration value for file: cannot read or parse '${path}'`, {
      cause,
      details: { field: "file", path },
    });
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new PgqrsError("INVALID_CONFIG", `Invalid configuration value for file: '${path}' is not a mapping`, {
      details: { field: "file", path },
    });
  }
  return camelize(raw as Record<string, unknown>) as Partial<ConfigInput>;
}

/** `max_read_ct` → `maxReadCt`, as `Config.fromFile` reads them. */
function camelize(raw: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const camel = key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    out[camel] =
      value !== null && typeof value === "object" && !Array.isArray(value)
        ? camelize(value as Record<string, unknown>)
        : value;
  }
  return out;
}
