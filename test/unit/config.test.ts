/**
 * Configuration: the reference's defaults, backend detection, masked passwords, schema names, PGQRS_* variables and
 * YAML files (where a configuration comes from, and which source wins: config-sources.test.ts).
 */
import { writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Config, detectBackend, maskDsn, validateSchemaName } from "../../src/index.js";
import { freshSqlitePath } from "../support/backends.js";
import { thrown } from "../support/stores.js";

describe("configuration", () => {
  it("has the reference's defaults", () => {
    const c = Config.fromDsn("postgres://localhost/db");
    expect(c.schema).toBe("public");
    expect(c.maxConnections).toBe(16);
    expect(c.connectionTimeoutSeconds).toBe(30);
    expect(c.defaultLockTimeSeconds).toBe(5);
    expect(c.defaultVtSeconds).toBe(30);
    expect(c.defaultMaxBatchSize).toBe(100);
    expect(c.maxReadCt).toBe(5);
    expect(c.heartbeatIntervalSeconds).toBe(5);
    expect(c.pollIntervalMs).toBe(250);
    expect(c.validationConfig.maxPayloadSizeBytes).toBe(1_048_576);
    expect(c.validationConfig.maxEnqueuePerSecond).toBeNull();
    expect(c.sqlite.useWal).toBe(true);
  });

  it("detects backends and lists the accepted forms otherwise", async () => {
    expect(detectBackend("postgres://x")).toBe("postgres");
    expect(detectBackend("postgresql://x")).toBe("postgres");
    expect(detectBackend("sqlite://./a.db")).toBe("sqlite");
    expect(detectBackend("sqlite::memory:")).toBe("sqlite");
    const err = await thrown(async () => detectBackend("mysql://root:secret@h/db"));
    expect(err.code).toBe("INVALID_CONFIG");
    expect(err.message).toContain("Unsupported DSN format");
    expect(err.message).toContain("postgresql://");
    expect(err.message).toContain("sqlite::memory:");
    expect(err.message).not.toContain("secret");
  });

  it("refuses a heartbeat interval of zero, which would let loops reclaim live workers", async () => {
    for (const heartbeatIntervalSeconds of [0, -1, Number.NaN]) {
      const err = await thrown(async () => new Config({ dsn: "sqlite::memory:", heartbeatIntervalSeconds }));
      expect(err.code).toBe("INVALID_CONFIG");
      expect(err.message).toContain("heartbeatIntervalSeconds");
    }
    expect(new Config({ dsn: "sqlite::memory:", heartbeatIntervalSeconds: 0.05 }).heartbeatIntervalSeconds).toBe(0.05);
  });

  it("masks passwords", () => {
    expect(maskDsn("postgresql://user:hunter2@host:5432/db")).toBe("postgresql://user:***@host:5432/db");
    expect(maskDsn("postgresql://host/db")).toBe("postgresql://host/db");
  });

  it("masks passwords with unencoded / ? # @, in query parameters and in key=value DSNs (security review M3)", () => {
    const cases: [string, string][] = [
      ["postgresql://postgres:pa/ss2@localhost/db", "postgresql://postgres:***@localhost/db"],
      ["postgresql://postgres:pa?ss3@localhost/db", "postgresql://postgres:***@localhost/db"],
      ["postgresql://postgres:pa#ss4@localhost/db", "postgresql://postgres:***@localhost/db"],
      ["postgresql://postgres:p@ss@localhost/db", "postgresql://postgres:***@localhost/db"],
      ["postgresql://u@h/db?sslmode=require&password=secretQ", "postgresql://u@h/db?sslmode=require&password=***"],
      [
        "postgresql://u@h/db?sslpassword=secretS&sslmode=require",
        "postgresql://u@h/db?sslpassword=***&sslmode=require",
      ],
      ["host=127.0.0.1 password=secretD", "host=127.0.0.1 password=***"],
      ["host=h password='sec ret' port=5432", "host=h password=*** port=5432"],
      ["host=h sslpassword = secretK dbname=x", "host=h sslpassword = *** dbname=x"],
    ];
    for (const [dsn, masked] of cases) expect(maskDsn(dsn), dsn).toBe(masked);
  });

  it("validates schema names, naming the bad character", async () => {
    for (const ok of [
      "public",
      "_private",
      "schema123",
      "Schema_With_Mixed_Case",
      "schema$with$dollars",
      "a",
      "a".repeat(63),
    ]) {
      expect(() => validateSchemaName(ok)).not.toThrow();
    }
    const cases: [string, string][] = [
      ["", "cannot be empty"],
      ["1schema", "must start with a letter or underscore"],
      ["schema-name", "invalid character '-'"],
      ["schema.name", "invalid character '.'"],
      ["schema name", "invalid character ' '"],
      ["a".repeat(64), "exceeds maximum length"],
    ];
    for (const [bad, text] of cases) {
      const err = await thrown(async () => validateSchemaName(bad));
      expect(err.code).toBe("INVALID_CONFIG");
      expect(err.message).toContain(text);
    }
    expect((await thrown(async () => new Config({ dsn: "postgres://x", schema: "bad;name" }))).message).toContain(
      "';'",
    );
  });

  it("reads PGQRS_* environment variables", async () => {
    const c = Config.fromEnv({
      PGQRS_DSN: "postgres://h/db",
      PGQRS_SCHEMA: "jobs",
      PGQRS_MAX_CONNECTIONS: "4",
      PGQRS_MAX_READ_CT: "7",
      PGQRS_HEARTBEAT_INTERVAL: "2",
      PGQRS_POLL_INTERVAL_MS: "100",
      PGQRS_VALIDATION_CONFIG: JSON.stringify({ maxPayloadSizeBytes: 2048 }),
      PGQRS_SQLITE_USE_WAL: "false",
    });
    expect([c.schema, c.maxConnections, c.maxReadCt, c.heartbeatIntervalSeconds, c.pollIntervalMs]).toEqual([
      "jobs",
      4,
      7,
      2,
      100,
    ]);
    expect(c.validationConfig.maxPayloadSizeBytes).toBe(2048);
    expect(c.validationConfig.forbiddenKeys).toContain("__proto__");
    expect(c.sqlite.useWal).toBe(false);
    expect((await thrown(async () => Config.fromEnv({}))).code).toBe("MISSING_CONFIG");
    expect((await thrown(async () => Config.fromEnv({ PGQRS_DSN: "postgres://h", PGQRS_SCHEMA: "x-y" }))).code).toBe(
      "INVALID_CONFIG",
    );
    expect(
      (await thrown(async () => Config.fromEnv({ PGQRS_DSN: "postgres://h", PGQRS_MAX_CONNECTIONS: "many" }))).message,
    ).toContain("PGQRS_MAX_CONNECTIONS");
  });

  it("reads YAML files with snake_case fields, and explains bad ones", async () => {
    const path = freshSqlitePath().replace(/test\.db$/, "pgqrs.yaml");
    writeFileSync(path, "dsn: sqlite://./x.db\nmax_read_ct: 9\nsqlite:\n  use_wal: false\n");
    const c = Config.fromFile(path);
    expect(c.maxReadCt).toBe(9);
    expect(c.sqlite.useWal).toBe(false);
    writeFileSync(path, "dsn: [unclosed\n");
    expect((await thrown(async () => Config.fromFile(path))).message).toContain("yaml");
    expect((await thrown(async () => Config.fromFile(`${path}.missing`))).message).toContain("Failed to read");
  });
});
