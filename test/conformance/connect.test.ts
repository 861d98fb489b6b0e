import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { dropSchema, freshSqlitePath, postgresDsn, uniqueName } from "../support/backends.js";
import { errorCode } from "../support/stores.js";

describe("connecting", () => {
  it("creates a SQLite file that does not exist", async () => {
    const path = freshSqlitePath();
    expect(existsSync(path)).toBe(false);
    const store = await pgqrs.connect(`sqlite://${path}`);
    await pgqrs.admin(store).install();
    expect(existsSync(path)).toBe(true);
    expect(store.backendName()).toBe("sqlite");
    expect(store.capabilities.processesPerDatabase).toBe("many");
    await store.close();
  });

  it("opens an in-memory SQLite database", async () => {
    const store = await pgqrs.connect("sqlite::memory:");
    await pgqrs.admin(store).install();
    await store.queue("mem");
    expect((await pgqrs.admin(store).listQueues()).length).toBe(1);
    await store.close();
  });

  it("connects to Postgres in a schema that install() creates", async () => {
    const schema = uniqueName("conn");
    const store = await pgqrs.connectWithConfig(new pgqrs.Config({ dsn: postgresDsn(), schema }));
    expect(store.backendName()).toBe("postgres");
    expect(store.capabilities).toMatchObject({ processesPerDatabase: "many", listenNotify: true });
    expect(await errorCode(() => pgqrs.admin(store).verify())).toBe("SCHEMA_VALIDATION");
    await pgqrs.admin(store).install();
    await pgqrs.admin(store).verify();
    await store.close();
    await dropSchema(schema);
  });

  it("refuses unsupported DSNs before connecting", async () => {
    expect(await errorCode(() => pgqrs.connect("redis://localhost"))).toBe("INVALID_CONFIG");
  });

  it("reports an unreachable Postgres with the password masked", async () => {
    const err = await pgqrs
      .connect("postgresql://u:topsecret@127.0.0.1:1/db", { connectionTimeoutSeconds: 2 })
      .catch((e: unknown) => e as pgqrs.PgqrsError);
    expect(err).toBeInstanceOf(pgqrs.PgqrsError);
    expect((err as pgqrs.PgqrsError).code).toBe("CONNECTION_FAILED");
    expect((err as pgqrs.PgqrsError).message).not.toContain("topsecret");
  });
});
