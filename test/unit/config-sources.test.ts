/**
 * Where a configuration comes from: which source wins in `Config.loadWithOptions`, the schema and pool setters,
 * validation settings from the environment and files, config file errors, and the CLI's config file.
 */
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { resolveConfig } from "../../src/cli/resolve-config.js";
import { Config } from "../../src/index.js";
import { freshSqlitePath } from "../support/backends.js";
import { thrown } from "../support/stores.js";

/** A fresh directory to stand in for the working directory of `Config.load*`. */
function scratchDir(): string {
  return dirname(freshSqlitePath());
}

describe("Config.loadWithOptions: which source wins", () => {
  const yaml = (dir: string, name: string, body: string): string => {
    const path = join(dir, name);
    writeFileSync(path, body);
    return path;
  };

  it("takes an explicit DSN over every file, with the other fields from PGQRS_* variables", () => {
    const cwd = scratchDir();
    const file = yaml(cwd, "explicit.yaml", "dsn: sqlite://file.db\nmax_read_ct: 9\n");
    yaml(cwd, "pgqrs.yaml", "dsn: sqlite://cwd.db\n");
    const env = { PGQRS_DSN: "sqlite://env.db", PGQRS_MAX_READ_CT: "7", PGQRS_CONFIG_FILE: file };
    const c = Config.loadWithOptions({ dsn: "postgres://explicit/db", configFile: file, env, cwd });
    expect([c.dsn, c.maxReadCt]).toEqual(["postgres://explicit/db", 7]);
  });

  it("takes an explicit file over PGQRS_CONFIG_FILE and the environment", () => {
    const cwd = scratchDir();
    yaml(cwd, "explicit.yaml", "dsn: sqlite://explicit.db\n");
    const other = yaml(cwd, "other.yaml", "dsn: sqlite://other.db\n");
    const env = { PGQRS_DSN: "sqlite://env.db", PGQRS_CONFIG_FILE: other };
    // A relative path is read from `cwd`.
    expect(Config.loadWithOptions({ configFile: "explicit.yaml", env, cwd }).dsn).toBe("sqlite://explicit.db");
  });

  it("takes PGQRS_CONFIG_FILE over PGQRS_DSN", () => {
    const cwd = scratchDir();
    const file = yaml(cwd, "named.yaml", "dsn: sqlite://named.db\n");
    const env = { PGQRS_DSN: "sqlite://env.db", PGQRS_CONFIG_FILE: file };
    expect(Config.loadWithOptions({ env, cwd }).dsn).toBe("sqlite://named.db");
  });

  it("takes PGQRS_DSN over ./pgqrs.yaml, ./pgqrs.yaml over ./pgqrs.yml, and ./pgqrs.yml alone", () => {
    const cwd = scratchDir();
    yaml(cwd, "pgqrs.yml", "dsn: sqlite://yml.db\n");
    expect(Config.loadWithOptions({ env: {}, cwd }).dsn).toBe("sqlite://yml.db");
    yaml(cwd, "pgqrs.yaml", "dsn: sqlite://yaml.db\nmax_read_ct: 4\n");
    expect(Config.loadWithOptions({ env: {}, cwd }).maxReadCt).toBe(4);
    expect(Config.loadWithOptions({ env: { PGQRS_DSN: "sqlite://env.db" }, cwd }).dsn).toBe("sqlite://env.db");
  });

  it("says MISSING_CONFIG for field 'configuration' when no source names a database", async () => {
    const err = await thrown(async () => Config.loadWithOptions({ env: {}, cwd: scratchDir() }));
    expect(err.code).toBe("MISSING_CONFIG");
    expect(err.details?.field).toBe("configuration");
    expect(err.message).toContain("Missing required configuration: configuration");
    const empty = await thrown(async () => Config.loadWithOptions({ dsn: "", env: { PGQRS_DSN: "sqlite://env.db" } }));
    expect([empty.code, empty.details?.field]).toEqual(["MISSING_CONFIG", "dsn"]);
  });

  it("raises a bad PGQRS_* variable instead of falling through to ./pgqrs.yaml", async () => {
    const cwd = scratchDir();
    yaml(cwd, "pgqrs.yaml", "dsn: sqlite://other-database.db\n");
    const env = { PGQRS_DSN: "sqlite://env.db", PGQRS_MAX_READ_CT: "lots" };
    const err = await thrown(async () => Config.loadWithOptions({ env, cwd }));
    expect(err.code).toBe("INVALID_CONFIG");
    expect(err.details?.field).toBe("PGQRS_MAX_READ_CT");
  });

  it("applies an explicit schema over every source's, and validates it", async () => {
    const cwd = scratchDir();
    const file = yaml(cwd, "s.yaml", "dsn: postgres://h/db\nschema: from_file\n");
    const env = { PGQRS_DSN: "postgres://h/db", PGQRS_SCHEMA: "from_env" };
    expect(Config.loadWithOptions({ dsn: "postgres://h/db", schema: "mine", env, cwd }).schema).toBe("mine");
    expect(Config.loadWithOptions({ configFile: file, schema: "mine", env, cwd }).schema).toBe("mine");
    expect(Config.loadWithOptions({ schema: "mine", env, cwd }).schema).toBe("mine");
    expect(Config.loadWithOptions({ env, cwd }).schema).toBe("from_env");
    const err = await thrown(async () => Config.loadWithOptions({ configFile: file, schema: "no-dash", env, cwd }));
    expect([err.code, err.details?.field]).toEqual(["INVALID_CONFIG", "schema"]);
  });

  it("Config.load() reads process.env", () => {
    const file = join(scratchDir(), "load.yaml");
    writeFileSync(file, "dsn: sqlite://load.db\n");
    vi.stubEnv("PGQRS_CONFIG_FILE", file);
    try {
      expect(Config.load().dsn).toBe("sqlite://load.db");
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe("schema and pool setters", () => {
  it("fromDsnWithSchema validates the schema", async () => {
    expect(Config.fromDsnWithSchema("postgres://h/db", "jobs").schema).toBe("jobs");
    expect((await thrown(async () => Config.fromDsnWithSchema("postgres://h/db", "1jobs"))).code).toBe(
      "INVALID_CONFIG",
    );
  });

  it("withSchema and withMaxConnections return a validated copy", async () => {
    const base = Config.fromDsn("postgres://h/db", { validationConfig: { requiredKeys: ["id"] } });
    const copy = base.withSchema("jobs").withMaxConnections(4);
    expect([copy.schema, copy.maxConnections, copy.dsn]).toEqual(["jobs", 4, "postgres://h/db"]);
    expect([base.schema, base.maxConnections]).toEqual(["public", 16]);
    copy.validationConfig.requiredKeys.push("other");
    expect(base.validationConfig.requiredKeys).toEqual(["id"]);
    expect((await thrown(async () => base.withSchema("a.b"))).code).toBe("INVALID_CONFIG");
    expect((await thrown(async () => base.withMaxConnections(0))).code).toBe("INVALID_CONFIG");
  });
});

describe("validation settings from the environment and files", () => {
  it("reads PGQRS_VALIDATION_CONFIG in pgqrs's snake_case", () => {
    const json = JSON.stringify({ max_payload_size_bytes: 2048, max_enqueue_per_second: 10, max_enqueue_burst: 20 });
    const c = Config.fromEnv({ PGQRS_DSN: "postgres://h", PGQRS_VALIDATION_CONFIG: json });
    expect(c.validationConfig).toMatchObject({
      maxPayloadSizeBytes: 2048,
      maxEnqueuePerSecond: 10,
      maxEnqueueBurst: 20,
    });
    expect(c.validationConfig.forbiddenKeys).toContain("__proto__");
  });

  it("refuses unknown keys and non-objects in PGQRS_VALIDATION_CONFIG, naming them", async () => {
    const env = (value: string) => ({ PGQRS_DSN: "postgres://h", PGQRS_VALIDATION_CONFIG: value });
    const unknown = await thrown(async () => Config.fromEnv(env('{"max_payload_size":10}')));
    expect([unknown.code, unknown.details?.field]).toEqual(["INVALID_CONFIG", "PGQRS_VALIDATION_CONFIG"]);
    expect(unknown.message).toContain("'max_payload_size'");
    expect(unknown.message).toContain("max_payload_size_bytes");
    for (const value of ["[1]", "5", "null"]) {
      const err = await thrown(async () => Config.fromEnv(env(value)));
      expect([err.code, err.details?.field]).toEqual(["INVALID_CONFIG", "PGQRS_VALIDATION_CONFIG"]);
    }
  });

  it("treats validation_config in a file the same way", async () => {
    const path = join(scratchDir(), "pgqrs.yaml");
    writeFileSync(path, "dsn: sqlite://x.db\nvalidation_config:\n  max_object_depth: 3\n");
    expect(Config.fromFile(path).validationConfig.maxObjectDepth).toBe(3);
    writeFileSync(path, "dsn: sqlite://x.db\nvalidation_config:\n  max_depth: 3\n");
    const err = await thrown(async () => Config.fromFile(path));
    expect(err.code).toBe("INVALID_CONFIG");
    expect(err.message).toContain("'max_depth'");
  });
});

describe("config file errors", () => {
  it("reports YAML syntax errors as 'Failed to parse YAML config: <parser error>'", async () => {
    const path = join(scratchDir(), "pgqrs.yaml");
    writeFileSync(path, "dsn: [unclosed\n");
    const err = await thrown(async () => Config.fromFile(path));
    expect([err.code, err.details?.field]).toEqual(["INVALID_CONFIG", "yaml"]);
    expect(err.message).toContain("Failed to parse YAML config: Flow sequence in block collection");
    expect(err.message).toContain(path);
  });

  it("reports a missing dsn and a non-mapping as parse errors", async () => {
    const path = join(scratchDir(), "pgqrs.yaml");
    writeFileSync(path, "max_read_ct: 3\n");
    expect((await thrown(async () => Config.fromFile(path))).message).toContain(
      "Failed to parse YAML config: missing field `dsn`",
    );
    writeFileSync(path, "- a\n- b\n");
    const err = await thrown(async () => Config.fromFile(path));
    expect([err.code, err.details?.field]).toEqual(["INVALID_CONFIG", "yaml"]);
    expect(err.message).toContain("Failed to parse YAML config: ");
  });

  it("keeps the reason a file could not be read", async () => {
    const path = join(scratchDir(), "absent.yaml");
    const err = await thrown(async () => Config.fromFile(path));
    expect([err.code, err.details?.field]).toEqual(["INVALID_CONFIG", "file"]);
    expect(err.message).toContain(`Failed to read config file '${path}': ENOENT`);
  });
});

describe("the CLI's config file", () => {
  it("honours PGQRS_CONFIG_FILE, as Config.load does", () => {
    const cwd = scratchDir();
    const file = join(cwd, "named.yaml");
    writeFileSync(file, "dsn: sqlite://named.db\nmax_read_ct: 8\n");
    expect(resolveConfig({ env: { PGQRS_CONFIG_FILE: file }, cwd }).maxReadCt).toBe(8);
  });
});
