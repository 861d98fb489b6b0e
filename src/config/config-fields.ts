import { defaultValidationConfig, type ValidationConfig } from "../validation-config.js";
import {
  bool,
  type Check,
  type EnvKind,
  int,
  MAX_TIMER_MS,
  MAX_TIMER_SECONDS,
  nullable,
  num,
  stringList,
  text,
} from "./config-checks.js";
import { validateSchemaName } from "./schema-name.js";

/**
 * One configuration field: how code names it, how a file and the environment name it, its unit, its default and
 * the check every source's value must pass. The constructor, `fromEnv`, `fromFile`, `load` and the CLI all read
 * through this table, so a field is checked the same way wherever it comes from.
 */
export interface FieldSpec {
  /** Name in code (a key of `ConfigInput`, or of its group). */
  name: string;
  /** snake_case key in a config file (the camelCase name is accepted too). */
  fileKey: string;
  /** The `PGQRS_*` variable that sets it, if any, and how its text is read. */
  env?: { name: string; kind: EnvKind };
  /** Unit, for docs and messages. */
  unit: string;
  /** The default; `undefined` when the field has none. */
  default: unknown;
  check: Check<unknown>;
  /** Further rules after the type check (schema identifier rules); throws INVALID_CONFIG. */
  refine?: (value: never) => void;
  /** The field this one is another name of (pgqrs's `heartbeat_interval`). */
  aliasOf?: string;
}

/** A nested mapping of fields (`validation_config:`, `sqlite:`). */
export interface GroupSpec {
  name: "validationConfig" | "sqlite" | "s3";
  fileKey: string;
  /** A variable holding the whole group as JSON (`PGQRS_VALIDATION_CONFIG`). */
  jsonEnv?: string;
  fields: readonly FieldSpec[];
}

const seconds = (min: number, max: number, inclusive = true) => num("seconds", min, max, inclusive);

/** Top-level fields, in the order the docs list them. */
export const CONFIG_FIELDS: readonly FieldSpec[] = [
  {
    name: "dsn",
    fileKey: "dsn",
    env: { name: "PGQRS_DSN", kind: "string" },
    unit: "",
    default: undefined,
    check: text,
  },
  {
    name: "schema",
    fileKey: "schema",
    env: { name: "PGQRS_SCHEMA", kind: "string" },
    unit: "",
    default: "public",
    check: text,
    refine: (value: string) => validateSchemaName(value),
  },
  {
    name: "maxConnections",
    fileKey: "max_connections",
    env: { name: "PGQRS_MAX_CONNECTIONS", kind: "number" },
    unit: "connections",
    default: 16,
    check: int("connections", 1, 1000),
  },
  {
    name: "connectionTimeoutSeconds",
    fileKey: "connection_timeout_seconds",
    env: { name: "PGQRS_CONNECTION_TIMEOUT", kind: "number" },
    unit: "seconds",
    default: 30,
    check: seconds(0, MAX_TIMER_SECONDS),
  },
  {
    name: "defaultLockTimeSeconds",
    fileKey: "default_lock_time_seconds",
    env: { name: "PGQRS_DEFAULT_LOCK_TIME", kind: "number" },
    unit: "seconds",
    default: 5,
    check: seconds(0, MAX_TIMER_SECONDS),
  },
  {
    name: "defaultVtSeconds",
    fileKey: "default_vt_seconds",
    env: { name: "PGQRS_DEFAULT_VT", kind: "number" },
    unit: "seconds",
    default: 30,
    check: seconds(0, MAX_TIMER_SECONDS),
  },
  {
    name: "defaultMaxBatchSize",
    fileKey: "default_max_batch_size",
    env: { name: "PGQRS_DEFAULT_BATCH_SIZE", kind: "number" },
    unit: "messages",
    default: 100,
    check: int("messages", 1, 10_000),
  },
  {
    name: "maxReadCt",
    fileKey: "max_read_ct",
    env: { name: "PGQRS_MAX_READ_CT", kind: "number" },
    unit: "deliveries",
    default: 5,
    check: int("deliveries", 1, 2_147_483_647),
  },
  {
    // Zero would switch heartbeats off while loops still reclaim workers whose heartbeat is old: live workers
    // would be taken for dead.
    name: "heartbeatIntervalSeconds",
    fileKey: "heartbeat_interval_seconds",
    env: { name: "PGQRS_HEARTBEAT_INTERVAL", kind: "number" },
    unit: "seconds",
    default: 5,
    check: seconds(0, MAX_TIMER_SECONDS, false),
  },
  {
    name: "heartbeatInterval",
    fileKey: "heartbeat_interval",
    unit: "seconds",
    default: undefined,
    check: seconds(0, MAX_TIMER_SECONDS, false),
    aliasOf: "heartbeatIntervalSeconds",
  },
  {
    name: "pollIntervalMs",
    fileKey: "poll_interval_ms",
    env: { name: "PGQRS_POLL_INTERVAL_MS", kind: "number" },
    unit: "milliseconds",
    default: 250,
    check: num("milliseconds", 0, MAX_TIMER_MS),
  },
  {
    name: "listenDsn",
    fileKey: "listen_dsn",
    env: { name: "PGQRS_LISTEN_DSN", kind: "string" },
    unit: "",
    default: undefined,
    check: text,
  },
];

/** Checks of the validation settings; a field added to `ValidationConfig` must be added here (type-checked). */
const VALIDATION_CHECKS: Record<keyof ValidationConfig, { unit: string; check: Check<unknown> }> = {
  maxPayloadSizeBytes: { unit: "bytes", check: int("bytes", 1, Number.MAX_SAFE_INTEGER) },
  maxStringLength: { unit: "bytes", check: nullable(int("bytes", 1, Number.MAX_SAFE_INTEGER)) },
  maxObjectDepth: { unit: "levels", check: nullable(int("levels", 0, 100_000)) },
  forbiddenKeys: { unit: "", check: stringList },
  requiredKeys: { unit: "", check: stringList },
  maxEnqueuePerSecond: { unit: "messages per second", check: nullable(num("messages per second", 0, 1e9, false)) },
  maxEnqueueBurst: { unit: "messages", check: nullable(int("messages", 1, 1_000_000_000)) },
};

const validationDefaults: ValidationConfig = defaultValidationConfig();

/** Nested groups. */
export const CONFIG_GROUPS: readonly GroupSpec[] = [
  {
    name: "validationConfig",
    fileKey: "validation_config",
    jsonEnv: "PGQRS_VALIDATION_CONFIG",
    fields: (Object.keys(VALIDATION_CHECKS) as (keyof ValidationConfig)[]).map((name) => ({
      name,
      fileKey: name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`),
      unit: VALIDATION_CHECKS[name].unit,
      default: validationDefaults[name],
      check: VALIDATION_CHECKS[name].check,
    })),
  },
  {
    name: "sqlite",
    fileKey: "sqlite",
    fields: [
      {
        name: "useWal",
        fileKey: "use_wal",
        env: { name: "PGQRS_SQLITE_USE_WAL", kind: "boolean" },
        unit: "",
        default: true,
        check: bool,
      },
      {
        name: "busyTimeoutMs",
        fileKey: "busy_timeout_ms",
        env: { name: "PGQRS_SQLITE_BUSY_TIMEOUT_MS", kind: "number" },
        unit: "milliseconds",
        default: 5000,
        check: int("milliseconds", 0, MAX_TIMER_MS),
      },
    ],
  },
  {
    name: "s3",
    fileKey: "s3",
    fields: [
      {
        name: "mode",
        fileKey: "mode",
        env: { name: "PGQRS_S3_MODE", kind: "string" },
        unit: "",
        default: "durable",
        check: {
          expected: '"durable" or "local"',
          test: (v): v is "durable" | "local" => v === "durable" || v === "local",
        } satisfies Check<"durable" | "local">,
      },
      {
        name: "cacheDir",
        fileKey: "cache_dir",
        env: { name: "PGQRS_S3_CACHE_DIR", kind: "string" },
        unit: "",
        default: undefined,
        check: text,
      },
    ],
  },
];
