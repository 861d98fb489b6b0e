/**
 * Every configuration field is checked against one field table, whatever the source: a `ConfigInput` object, a
 * YAML/JSON file, `PGQRS_*` variables, and the CLI (which resolves through `Config.loadWithOptions`). The bad
 * cases are the review's (security.md M2, code-review.md §3).
 */
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/cli/resolve-config.js";
import { CONFIG_FIELDS, CONFIG_GROUPS } from "../../src/config.js";
import { Config, type ConfigInput } from "../../src/index.js";
import { freshSqlitePath } from "../support/backends.js";
import { thrown } from "../support/stores.js";

const scratchDir = (): string => dirname(freshSqlitePath());

function writeYaml(body: string, name = "pgqrs.yaml"): string {
  const path = join(scratchDir(), name);
  writeFileSync(path, body);
  return path;
}

async function invalid(fn: () => unknown): Promise<Awaited<ReturnType<typeof thrown>>> {
  const err = await thrown(async () => fn());
  expect(err.code).toBe("INVALID_CONFIG");
  return err;
}

describe("config files are type-checked (security review M2)", () => {
  it("refuses `max_payload_size_bytes: 1MB`, naming the field and saying it must be an integer number of bytes", async () => {
    const path = writeYaml("dsn: sqlite://x.db\nvalidation_config:\n  max_payload_size_bytes: 1MB\n");
    const err = await invalid(() => Config.fromFile(path));
    expect(err.details?.field).toBe("validation_config.max_payload_size_bytes");
    expect(err.message).toContain("validation_config.max_payload_size_bytes");
    expect(err.message).toContain("must be an integer number of bytes");
    expect(err.message).toContain("'1MB'");
  });

  it("refuses `forbidden_keys: __proto__` (a string would be split into characters)", async () => {
    const path = writeYaml("dsn: sqlite://x.db\nvalidation_config:\n  forbidden_keys: __proto__\n");
    const err = await invalid(() => Config.fromFile(path));
    expect(err.details?.field).toBe("validation_config.forbidden_keys");
    expect(err.message).toContain("must be a list of strings");
  });

  it('refuses `use_wal: "no"` and `use_wal: no` (booleans must be booleans)', async () => {
    for (const value of ['"no"', "no", "off", "0"]) {
      const path = writeYaml(`dsn: sqlite://x.db\nsqlite:\n  use_wal: ${value}\n`);
      const err = await invalid(() => Config.fromFile(path));
      expect(err.details?.field).toBe("sqlite.use_wal");
      expect(err.message).toContain("must be true or false");
    }
    expect(Config.fromFile(writeYaml("dsn: sqlite://x.db\nsqlite:\n  use_wal: false\n")).sqlite.useWal).toBe(false);
  });

  it('refuses `busy_timeout_ms: "5s"`, negative timeouts and `listen_dsn: 5`', async () => {
    const cases: [string, string][] = [
      ["sqlite:\n  busy_timeout_ms: 5s\n", "sqlite.busy_timeout_ms"],
      ["connection_timeout_seconds: -1\n", "connection_timeout_seconds"],
      ["default_vt_seconds: -30\n", "default_vt_seconds"],
      ["poll_interval_ms: -5\n", "poll_interval_ms"],
      ["heartbeat_interval: 0\n", "heartbeat_interval"],
      ["listen_dsn: 5\n", "listen_dsn"],
      ["max_connections: 1000000000\n", "max_connections"],
      ["max_read_ct: 2.5\n", "max_read_ct"],
      ["schema: 7\n", "schema"],
      ["sqlite: true\n", "sqlite"],
      ["validation_config: [1]\n", "validation_config"],
    ];
    for (const [body, field] of cases) {
      const err = await invalid(() => Config.fromFile(writeYaml(`dsn: sqlite://x.db\n${body}`)));
      expect(err.details?.field, body).toBe(field);
    }
  });

  it("refuses misspelt keys at any depth, naming the closest valid one", async () => {
    const cases: [string, string, string][] = [
      ["max_conections: 4\n", "max_conections", "max_connections"],
      ["sqlite:\n  busy_timout_ms: 100\n", "busy_timout_ms", "busy_timeout_ms"],
      ["validation_config:\n  max_payload_size: 10\n", "max_payload_size", "max_payload_size_bytes"],
      ["pollIntervalMS: 10\n", "pollIntervalMS", "pollIntervalMs"],
    ];
    for (const [body, key, suggestion] of cases) {
      const err = await invalid(() => Config.fromFile(writeYaml(`dsn: sqlite://x.db\n${body}`)));
      expect(err.message).toContain(`unknown key '${key}'`);
      expect(err.message).toContain(`Did you mean '${suggestion}'?`);
      expect(err.details?.suggestion).toBe(suggestion);
    }
  });

  it("reads pgqrs.json the same way (the CLI help promises it)", async () => {
    const cwd = scratchDir();
    writeFileSync(join(cwd, "pgqrs.json"), JSON.stringify({ dsn: "sqlite://j.db", max_read_ct: 6 }));
    const c = Config.loadWithOptions({ env: {}, cwd });
    expect([c.dsn, c.maxReadCt]).toEqual(["sqlite://j.db", 6]);
    writeFileSync(join(cwd, "pgqrs.json"), JSON.stringify({ dsn: "sqlite://j.db", max_read_ct: "6" }));
    expect((await invalid(() => Config.loadWithOptions({ env: {}, cwd }))).details?.field).toBe("max_read_ct");
  });
});

describe("ConfigInput objects are checked by the same table", () => {
  const base = { dsn: "sqlite::memory:" };
  const bad: [string, Record<string, unknown>, string][] = [
    [
      "NaN payload cap",
      { validationConfig: { maxPayloadSizeBytes: Number.NaN } },
      "validationConfig.maxPayloadSizeBytes",
    ],
    ["negative payload cap", { validationConfig: { maxPayloadSizeBytes: -1 } }, "validationConfig.maxPayloadSizeBytes"],
    ["negative rate", { validationConfig: { maxEnqueuePerSecond: -5 } }, "validationConfig.maxEnqueuePerSecond"],
    ["string list as string", { validationConfig: { forbiddenKeys: "__proto__" } }, "validationConfig.forbiddenKeys"],
    ["list of numbers", { validationConfig: { requiredKeys: [1] } }, "validationConfig.requiredKeys"],
    ["a billion connections", { maxConnections: 1e9 }, "maxConnections"],
    ["fractional connections", { maxConnections: 2.5 }, "maxConnections"],
    ["string WAL", { sqlite: { useWal: "no" } }, "sqlite.useWal"],
    ["negative busy timeout", { sqlite: { busyTimeoutMs: -5 } }, "sqlite.busyTimeoutMs"],
    ["negative connection timeout", { connectionTimeoutSeconds: -1 }, "connectionTimeoutSeconds"],
    ["timer overflow", { heartbeatIntervalSeconds: 1e7 }, "heartbeatIntervalSeconds"],
    ["infinite poll", { pollIntervalMs: Number.POSITIVE_INFINITY }, "pollIntervalMs"],
    ["numeric listen DSN", { listenDsn: 5 }, "listenDsn"],
  ];
  it.each(bad)("refuses %s", async (_, fields, field) => {
    const err = await invalid(() => new Config({ ...base, ...fields } as unknown as ConfigInput));
    expect(err.details?.field).toBe(field);
    expect(err.message).toContain(`Invalid configuration value for ${field}: must be `);
  });

  it("refuses unknown keys with the closest valid name, in camelCase for camelCase input", async () => {
    const err = await invalid(() => new Config({ ...base, maxConections: 4 } as unknown as ConfigInput));
    expect(err.message).toContain("Did you mean 'maxConnections'?");
    const nested = await invalid(
      () => new Config({ ...base, validationConfig: { maxPayloadBytes: 4 } } as unknown as ConfigInput),
    );
    expect(nested.message).toContain("Did you mean 'maxPayloadSizeBytes'?");
    const snake = await invalid(() => new Config({ ...base, max_conections: 4 } as unknown as ConfigInput));
    expect(snake.message).toContain("Did you mean 'max_connections'?");
  });

  it("refuses a field given under both spellings", async () => {
    const err = await invalid(() => new Config({ ...base, maxReadCt: 3, max_read_ct: 4 } as unknown as ConfigInput));
    expect(err.message).toContain("given twice");
  });

  it("keeps accepting every valid value and the edges of each range", () => {
    const c = new Config({
      ...base,
      maxConnections: 1000,
      connectionTimeoutSeconds: 0,
      pollIntervalMs: 0,
      heartbeatIntervalSeconds: 0.05,
      validationConfig: { maxStringLength: null, maxEnqueuePerSecond: 0.5, forbiddenKeys: [] },
      sqlite: { busyTimeoutMs: 0 },
    });
    expect([c.maxConnections, c.heartbeatIntervalSeconds, c.validationConfig.maxEnqueuePerSecond]).toEqual([
      1000, 0.05, 0.5,
    ]);
    expect(c.sqlite).toEqual({ useWal: true, busyTimeoutMs: 0 });
  });
});

describe("PGQRS_* variables are checked by the same table", () => {
  const env = (extra: Record<string, string>) => ({ PGQRS_DSN: "sqlite://e.db", ...extra });

  it("accepts only true/false for PGQRS_SQLITE_USE_WAL", async () => {
    expect(Config.fromEnv(env({ PGQRS_SQLITE_USE_WAL: "FALSE" })).sqlite.useWal).toBe(false);
    expect(Config.fromEnv(env({ PGQRS_SQLITE_USE_WAL: " true " })).sqlite.useWal).toBe(true);
    for (const value of ["no", "off", "0", "yes"]) {
      const err = await invalid(() => Config.fromEnv(env({ PGQRS_SQLITE_USE_WAL: value })));
      expect(err.details?.field).toBe("PGQRS_SQLITE_USE_WAL");
      expect(err.message).toContain("must be true or false");
    }
  });

  it("refuses negative, fractional-where-integer, hex and out-of-range numbers, naming the variable", async () => {
    const cases: [string, string][] = [
      ["PGQRS_CONNECTION_TIMEOUT", "-1"],
      ["PGQRS_MAX_CONNECTIONS", "1e9"],
      ["PGQRS_MAX_CONNECTIONS", "0x10"],
      ["PGQRS_MAX_READ_CT", "2.5"],
      ["PGQRS_POLL_INTERVAL_MS", "-5"],
      ["PGQRS_HEARTBEAT_INTERVAL", "0"],
      ["PGQRS_SQLITE_BUSY_TIMEOUT_MS", "5s"],
    ];
    for (const [name, value] of cases) {
      const err = await invalid(() => Config.fromEnv(env({ [name]: value })));
      expect(err.details?.field, `${name}=${value}`).toBe(name);
    }
  });

  it("checks the values inside PGQRS_VALIDATION_CONFIG and suggests a name for unknown keys", async () => {
    const wrong = await invalid(() =>
      Config.fromEnv(env({ PGQRS_VALIDATION_CONFIG: '{"max_payload_size_bytes":"1MB"}' })),
    );
    expect(wrong.details?.field).toBe("PGQRS_VALIDATION_CONFIG");
    expect(wrong.message).toContain("key 'max_payload_size_bytes' must be an integer number of bytes");
    const unknown = await invalid(() => Config.fromEnv(env({ PGQRS_VALIDATION_CONFIG: '{"forbiden_keys":[]}' })));
    expect(unknown.message).toContain("Did you mean 'forbidden_keys'?");
  });
});

describe("the field table", () => {
  it("names every Config field once, with a file key, a unit slot and a default", () => {
    const names = [...CONFIG_FIELDS.map((f) => f.name), ...CONFIG_GROUPS.map((g) => g.name)];
    expect(new Set(names).size).toBe(names.length);
    const own = Object.keys(Config.fromDsn("sqlite::memory:"));
    for (const key of own) expect(names, key).toContain(key);
    const envNames = [...CONFIG_FIELDS, ...CONFIG_GROUPS.flatMap((g) => g.fields)].flatMap((f) =>
      f.env === undefined ? [] : [f.env.name],
    );
    expect(new Set(envNames).size).toBe(envNames.length);
  });
});

describe("the CLI resolves configuration with Config.loadWithOptions", () => {
  /** Each scenario: the files in the working directory, the environment, and the CLI flags. */
  const scenarios: {
    name: string;
    files: Record<string, string>;
    env: Record<string, string>;
    flags: { dsn?: string; schema?: string; config?: string };
  }[] = [
    { name: "./pgqrs.yaml only", files: { "pgqrs.yaml": "dsn: sqlite://a.db\nmax_read_ct: 4\n" }, env: {}, flags: {} },
    { name: "./pgqrs.yml only", files: { "pgqrs.yml": "dsn: sqlite://b.db\n" }, env: {}, flags: {} },
    { name: "./pgqrs.json only", files: { "pgqrs.json": '{"dsn":"sqlite://c.db"}' }, env: {}, flags: {} },
    {
      name: "PGQRS_DSN over ./pgqrs.yaml",
      files: { "pgqrs.yaml": "dsn: sqlite://file.db\nmax_read_ct: 9\n" },
      env: { PGQRS_DSN: "sqlite://env.db", PGQRS_MAX_READ_CT: "7" },
      flags: {},
    },
    {
      name: "PGQRS_CONFIG_FILE over PGQRS_DSN (other PGQRS_* ignored with it)",
      files: { "named.yaml": "dsn: sqlite://named.db\n" },
      env: { PGQRS_DSN: "sqlite://env.db", PGQRS_CONFIG_FILE: "named.yaml", PGQRS_MAX_READ_CT: "7" },
      flags: {},
    },
    {
      name: "--dsn over every file, other fields from PGQRS_*",
      files: { "pgqrs.yaml": "dsn: sqlite://file.db\n" },
      env: { PGQRS_MAX_READ_CT: "8", PGQRS_SCHEMA: "from_env" },
      flags: { dsn: "postgres://h/db" },
    },
    {
      name: "--config over PGQRS_CONFIG_FILE, --schema over the file's",
      files: { "mine.yaml": "dsn: postgres://h/mine\nschema: file_schema\n", "other.yaml": "dsn: sqlite://o.db\n" },
      env: { PGQRS_CONFIG_FILE: "other.yaml" },
      flags: { config: "mine.yaml", schema: "flag_schema" },
    },
  ];

  it.each(scenarios)("$name", ({ files, env, flags }) => {
    const cwd = scratchDir();
    for (const [name, body] of Object.entries(files)) writeFileSync(join(cwd, name), body);
    const library = Config.loadWithOptions({
      dsn: flags.dsn,
      schema: flags.schema,
      configFile: flags.config,
      env,
      cwd,
    });
    const cli = resolveConfig({ dsn: flags.dsn, schema: flags.schema, configFile: flags.config, env, cwd });
    expect({ ...cli }).toEqual({ ...library });
  });

  it("fails the same way on a bad value, and says 'no database given' only when nothing names one", async () => {
    const cwd = scratchDir();
    writeFileSync(join(cwd, "pgqrs.yaml"), "dsn: sqlite://a.db\nmax_conections: 4\n");
    const lib = await thrown(async () => Config.loadWithOptions({ env: {}, cwd }));
    const cli = await thrown(async () => resolveConfig({ env: {}, cwd }));
    expect([cli.code, cli.message]).toEqual([lib.code, lib.message]);
    const none = await thrown(async () => resolveConfig({ env: {}, cwd: scratchDir() }));
    expect(none.message).toContain("no database given");
    expect(resolveConfig({ env: {}, cwd: scratchDir(), defaultDsn: "sqlite://demo.db" }).dsn).toBe("sqlite://demo.db");
    const old = await thrown(async () => resolveConfig({ env: { PGQRS_CONFIG: "pgqrs.yaml" }, cwd: scratchDir() }));
    expect(old.message).toContain("PGQRS_CONFIG is not read: set PGQRS_CONFIG_FILE");
  });
});
