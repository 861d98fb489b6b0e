/**
 * Reading multi-host DSNs by libpq's rules (both forms), refusing malformed ones with INVALID_CONFIG without
 * repeating a password, and the error codes a failover and a standby produce: a session cut off without a SQLSTATE
 * is CONNECTION_FAILED (retryable), a write on a standby (SQLSTATE 25006) is READ_ONLY.
 */
import { describe, expect, it } from "vitest";
import { admin, connect, PgqrsError } from "../../src/index.js";
import { classifyPgError, translatePgError } from "../../src/store/postgres/postgres-errors.js";
import { isKeywordDsn, parsePgTargets } from "../../src/store/postgres/postgres-multi-host-dsn.js";
import { dropSchema, postgresDsn, uniqueName } from "../support/backends.js";

describe("multi-host DSNs", () => {
  it("a plain single-host URL is left to node-postgres", () => {
    expect(parsePgTargets("postgresql://u:p@db.example:5432/app?sslmode=require")).toBeUndefined();
    expect(parsePgTargets("postgres://db.example/app?target_session_attrs=any")).toBeUndefined();
  });

  it("URL form: hosts with their own ports in order, IPv6 in brackets, default port 5432", () => {
    const t = parsePgTargets(
      "postgresql://app:s%40cret@10.0.0.1:5433,[::1],db-2:6000/orders?target_session_attrs=read-write&prepare=false",
    );
    expect(t?.hosts).toEqual([
      { host: "10.0.0.1", port: 5433 },
      { host: "::1", port: 5432 },
      { host: "db-2", port: 6000 },
    ]);
    expect(t?.attrs).toBe("read-write");
    // One host for node-postgres to parse the rest from; target_session_attrs is ours, prepare=false stays.
    expect(t?.connectionString).toBe("postgresql://app:s%40cret@10.0.0.1:5433/orders?prepare=false");
  });

  it("keyword form: host and port lists (one port for all, or one each), quoted values, other settings kept", () => {
    const dsn =
      "host=a.internal,b.internal port=5432,5433 dbname=orders user=app password='it\\'s' " +
      "application_name=billing target_session_attrs=prefer-standby";
    expect(isKeywordDsn(dsn)).toBe(true);
    const t = parsePgTargets(dsn);
    expect(t?.hosts).toEqual([
      { host: "a.internal", port: 5432 },
      { host: "b.internal", port: 5433 },
    ]);
    expect(t?.attrs).toBe("prefer-standby");
    expect(t?.connectionString).toBe("postgresql://app:it's@a.internal:5432/orders?application_name=billing");
    expect(parsePgTargets("host=a,b port=7000 dbname=x")?.hosts).toEqual([
      { host: "a", port: 7000 },
      { host: "b", port: 7000 },
    ]);
    // A single-host keyword DSN still needs translating: node-postgres reads only URLs.
    expect(parsePgTargets("host=/var/run/postgresql dbname=x")?.connectionString).toBe(
      "postgresql:///x?host=%2Fvar%2Frun%2Fpostgresql",
    );
  });

  it("malformed lists and unknown target_session_attrs are INVALID_CONFIG, the password masked", () => {
    const cases = [
      "host=a,b,c port=1,2 dbname=x password=hunter22",
      "postgresql://u:hunter22@a,b/db?target_session_attrs=writable",
      "host=a port=http password=hunter22",
      "host=a dbname=x password=hunter22 'stray",
    ];
    for (const dsn of cases) {
      let caught: unknown;
      try {
        parsePgTargets(dsn);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(PgqrsError);
      expect((caught as PgqrsError).code).toBe("INVALID_CONFIG");
      expect((caught as PgqrsError).message).not.toContain("hunter22");
    }
  });

  it("a password holding unencoded ? # / or a space: read as libpq reads it, no piece of it in any error", () => {
    // `?` and `#` before the `@`: still the password, as libpq reads it.
    const t = parsePgTargets("postgresql://app:pw?x#y@a:5433,b/db?target_session_attrs=primary");
    expect(t?.hosts).toEqual([
      { host: "a", port: 5433 },
      { host: "b", port: 5432 },
    ]);
    expect(t?.connectionString).toBe("postgresql://app:pw%3Fx%23y@a:5433/db");
    expect(parsePgTargets("postgresql://app:hunter2?rest@db.internal:5432/app")).toEqual({
      hosts: [{ host: "db.internal", port: 5432 }],
      attrs: "any",
      connectionString: "postgresql://app:hunter2%3Frest@db.internal:5432/app",
    });
    // Unreadable: a `/` in the password reads as `host:port`; an unquoted space ends a keyword value.
    const cases: [string, string][] = [
      ["postgresql://app:Tr0ub4dor/x@db.internal:5432/app", "Tr0ub4dor/x"],
      ["postgresql://app:S3cr/et?#pw@a,b/db", "S3cr/et?#pw"],
      ["host=a dbname=x password=abcd efgh", "abcd efgh"],
    ];
    for (const [dsn, password] of cases) {
      let caught: unknown;
      try {
        parsePgTargets(dsn);
      } catch (err) {
        caught = err;
      }
      expect((caught as PgqrsError).code).toBe("INVALID_CONFIG");
      const message = (caught as PgqrsError).message;
      for (let i = 0; i + 4 <= password.length; i++) expect(message).not.toContain(password.slice(i, i + 4));
    }
  });

  it("a single-host URL node-postgres cannot read is INVALID_CONFIG (not a retryable connection failure)", async () => {
    // `^` in the host: refused as a URL before any socket is opened.
    let caught: unknown;
    try {
      const store = await connect("postgresql://app:hunter2@h^:1/x");
      await store.close();
    } catch (err) {
      caught = err;
    }
    expect((caught as PgqrsError).code).toBe("INVALID_CONFIG");
    expect((caught as PgqrsError).message).not.toContain("hunter2");
  });

  it("a single-host URL whose password holds ? and # connects, as with libpq", async () => {
    // The test cluster trusts local connections, so any password is accepted: what matters is that the URL is read.
    const url = new URL(postgresDsn());
    const dsn = `postgresql://${url.username || "postgres"}:pw?x#y@${url.host}${url.pathname}`;
    const t = parsePgTargets(dsn);
    expect(t?.hosts).toHaveLength(1);
    expect(t?.connectionString).toContain(":pw%3Fx%23y@");
    const schema = uniqueName("dsn");
    const store = await connect(dsn, { schema });
    try {
      await admin(store).install();
      await store.queue("reached");
      expect((await admin(store).listQueues()).map((q) => q.queueName)).toEqual(["reached"]);
    } finally {
      await store.close();
      await dropSchema(schema);
    }
  });
});

describe("errors of a failover and of a standby", () => {
  it("a session cut off without a SQLSTATE (a killed server) is CONNECTION_FAILED", () => {
    for (const message of [
      "Connection terminated unexpectedly",
      "Connection terminated",
      "Client has encountered a connection error and is not queryable",
    ]) {
      expect(classifyPgError(new Error(message))).toBe("CONNECTION_FAILED");
    }
    expect(classifyPgError(new Error("something else"))).toBe("QUERY_FAILED");
  });

  it("SQLSTATE 25006 is READ_ONLY: the database is read-only, use the primary", () => {
    const driverError = Object.assign(new Error("cannot execute INSERT in a read-only transaction"), {
      code: "25006",
    });
    const err = translatePgError(driverError, "enqueue", "postgresql://standby/db (schema s)");
    expect(err.code).toBe("READ_ONLY");
    expect(err.message).toContain("read-only (a standby");
    expect(err.message).toContain("primary");
    expect(err.cause).toBe(driverError);
  });
});
