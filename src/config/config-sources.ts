import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { PgqrsError } from "../errors.js";
import { closest } from "../suggest.js";
import { type Check, configError, describeValue, parseEnv } from "./config-checks.js";
import { CONFIG_FIELDS, CONFIG_GROUPS, type FieldSpec, type GroupSpec } from "./config-fields.js";

/** Files `Config.load` looks for in the working directory, in this order, when nothing else names a database. */
export const DEFAULT_CONFIG_FILES = ["pgqrs.yaml", "pgqrs.yml", "pgqrs.json"] as const;

/** Where a mapping of fields came from, for messages. */
interface MappingSource {
  /** The group path as the source spells it (`validation_config`), "" at the top. */
  path: string;
  /** Name every error after this (a variable holding JSON), instead of the key's own path. */
  errorField?: string;
  /** Names the source in an unknown-key error at the top level (`config file '…'`, `Config`). */
  label: string;
}

/**
 * The fields of one mapping (a `ConfigInput`, a parsed file, `PGQRS_VALIDATION_CONFIG`), each checked against the
 * field table, under their code names. Keys may be spelled either way (`max_read_ct` or `maxReadCt`); an unknown key
 * is an INVALID_CONFIG naming the closest valid one, since a misspelt limit would otherwise be silently ignored.
 * `undefined` values count as not given.
 */
export function readMapping(
  raw: unknown,
  source: MappingSource,
  fields: readonly FieldSpec[] = CONFIG_FIELDS,
  groups: readonly GroupSpec[] = CONFIG_GROUPS,
): Record<string, unknown> {
  if (!isMapping(raw)) {
    throw configError(
      source.errorField ?? (source.path || source.label),
      `must be a mapping of fields, got ${describeValue(raw)}`,
    );
  }
  const out: Record<string, unknown> = {};
  const spelledAs = new Map<string, string>();
  for (const [key, value] of Object.entries(raw)) {
    const spelled = source.path === "" ? key : `${source.path}.${key}`;
    const field = fields.find((f) => f.name === key || f.fileKey === key);
    const group = groups.find((g) => g.name === key || g.fileKey === key);
    if (field === undefined && group === undefined) throw unknownKey(key, source, fields, groups);
    const name = (field?.name ?? group?.name) as string;
    const earlier = spelledAs.get(name);
    if (earlier !== undefined) {
      throw configError(source.errorField ?? spelled, `given twice (as '${earlier}' and '${key}')`);
    }
    spelledAs.set(name, key);
    if (value === undefined) continue;
    if (group !== undefined) {
      out[name] = readMapping(value, { ...source, path: spelled }, group.fields, []);
    } else if (field !== undefined) {
      out[name] = checkValue(field, value, source.errorField ?? spelled, source.errorField === undefined ? "" : key);
    }
  }
  return out;
}

/** The value when it passes the field's check (and its refinement); INVALID_CONFIG naming `where` otherwise. */
export function checkValue(field: FieldSpec, value: unknown, where: string, key = ""): unknown {
  const check: Check<unknown> = field.check;
  if (!check.test(value)) {
    const what = key === "" ? "" : `key '${key}' `;
    throw configError(
      where,
      `${what}must be ${check.expected}, got ${describeValue(value)}`,
      key === "" ? {} : { key },
    );
  }
  field.refine?.(value as never);
  return value;
}

function unknownKey(key: string, source: MappingSource, fields: readonly FieldSpec[], groups: readonly GroupSpec[]) {
  const snake = key.includes("_") || !/[A-Z]/.test(key);
  const names = [
    ...fields.map((f) => (snake ? f.fileKey : f.name)),
    ...groups.map((g) => (snake ? g.fileKey : g.name)),
  ];
  const suggestion = closest(key, names);
  const hint = suggestion === undefined ? "" : ` Did you mean '${suggestion}'?`;
  const where = source.errorField ?? (source.path || source.label);
  return configError(where, `unknown key '${key}'.${hint} Known keys: ${names.join(", ")}`, {
    key,
    ...(suggestion === undefined ? {} : { suggestion }),
  });
}

/** The fields `PGQRS_*` variables set, checked; empty variables count as unset. */
export function readEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const readField = (field: FieldSpec): unknown => {
    const name = field.env?.name;
    const raw = name === undefined ? undefined : env[name];
    if (field.env === undefined || name === undefined || raw === undefined || raw === "") return undefined;
    const parsed = parseEnv(field.env.kind, raw);
    if ("problem" in parsed) throw configError(name, parsed.problem);
    return checkValue(field, parsed.value, name);
  };
  for (const field of CONFIG_FIELDS) {
    const value = readField(field);
    if (value !== undefined) out[field.name] = value;
  }
  for (const group of CONFIG_GROUPS) {
    const groupOut: Record<string, unknown> = {};
    const json = group.jsonEnv === undefined ? undefined : env[group.jsonEnv];
    if (group.jsonEnv !== undefined && json !== undefined && json !== "") {
      const parsed = parseEnv("json", json);
      if ("problem" in parsed) throw configError(group.jsonEnv, parsed.problem);
      const source = { path: "", errorField: group.jsonEnv, label: group.jsonEnv };
      Object.assign(groupOut, readMapping(parsed.value, source, group.fields, []));
    }
    for (const field of group.fields) {
      const value = readField(field);
      if (value !== undefined) groupOut[field.name] = value;
    }
    if (Object.keys(groupOut).length > 0) out[group.name] = groupOut;
  }
  return out;
}

/**
 * The fields of a YAML or JSON config file, checked. INVALID_CONFIG with field `file` when it cannot be read,
 * `yaml` when it does not parse or has no `dsn`, and the key's path (`sqlite.use_wal`) when a value is wrong.
 */
export function readConfigFile(path: string): Record<string, unknown> {
  let content: string;
  try {
    content = readFileSync(path, "utf8");
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
    raw = parseYaml(content);
  } catch (cause) {
    throw parseError(reason(cause), cause);
  }
  if (!isMapping(raw)) {
    throw parseError(`expected a mapping of fields, got ${Array.isArray(raw) ? "a list" : String(raw)}`);
  }
  if (raw.dsn === undefined) throw parseError("missing field `dsn`");
  if (typeof raw.dsn !== "string") throw parseError("field `dsn` must be a string");
  return readMapping(raw, { path: "", label: `config file '${path}'` });
}

/** Which source {@link Config.loadWithOptions} reads, after an explicit DSN. */
export type LoadedSource = { kind: "file"; path: string } | { kind: "env" };

/**
 * The source that names a database, in pgqrs's order: an explicit file, the file `PGQRS_CONFIG_FILE` names,
 * `PGQRS_*` variables (when `PGQRS_DSN` is set), `./pgqrs.yaml`, `./pgqrs.yml`, `./pgqrs.json`. MISSING_CONFIG with
 * field `configuration` when none does.
 */
export function pickSource(env: NodeJS.ProcessEnv, cwd: string, configFile: string | undefined): LoadedSource {
  const file = configFile ?? (env.PGQRS_CONFIG_FILE || undefined);
  if (file !== undefined) return { kind: "file", path: resolve(cwd, file) };
  // pgqrs falls through on any from_env error; here only a missing PGQRS_DSN does, so a bad PGQRS_* value is
  // reported instead of silently connecting to whatever ./pgqrs.yaml names.
  if (env.PGQRS_DSN) return { kind: "env" };
  for (const name of DEFAULT_CONFIG_FILES) {
    const path = resolve(cwd, name);
    if (existsSync(path)) return { kind: "file", path };
  }
  throw new PgqrsError(
    "MISSING_CONFIG",
    "Missing required configuration: configuration. Pass a DSN or config file, set PGQRS_DSN or " +
      "PGQRS_CONFIG_FILE, or write ./pgqrs.yaml with `dsn:`",
    { details: { field: "configuration" } },
  );
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function reason(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
