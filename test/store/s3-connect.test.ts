/**
 * Connecting to S3 DSNs: the cache directory is required (INVALID_CONFIG naming s3.cache_dir), DSNs are checked
 * before anything is opened, the mode and cache directory come from every configuration source, and a store
 * connects through the backend registry with the standard AWS environment.
 */
import { readdirSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Config } from "../../src/config.js";
import { S3_BACKEND } from "../../src/store/s3/s3-backend.js";
import pgqrs from "../../src/default-export.js";
import { freshCacheDir, type S3TestServer, startS3TestServer } from "../support/s3-server.js";
import { thrown } from "../support/stores.js";

let s3: S3TestServer;
beforeAll(async () => {
  s3 = await startS3TestServer();
});
afterAll(async () => {
  await s3?.stop();
});

describe("connecting to s3://bucket/key", () => {
  it("requires a cache directory: INVALID_CONFIG naming s3.cache_dir, nothing created", async () => {
    const dsn = s3.freshDsn("nocache");
    const err = await thrown(() => pgqrs.connect(dsn));
    expect(err.code).toBe("INVALID_CONFIG");
    expect(err.details?.field).toBe("s3.cache_dir");
    expect(err.message).toContain("cache_dir must be set for s3 stores");
    expect(await s3.etagOf(dsn)).toBeNull();
  });

  it("refuses DSNs without a bucket or key", async () => {
    for (const [dsn, reason] of [
      ["s3://", "missing bucket"],
      ["s3://bucket-only", "missing object key"],
      ["s3://bucket/dir/", "missing object key"],
      ["s3:bucket/key", "Invalid S3 DSN format"],
    ] as const) {
      const err = await thrown(() => pgqrs.connect(dsn, { s3: { cacheDir: freshCacheDir() } }));
      expect(err.code).toBe("INVALID_CONFIG");
      expect(err.message).toContain(reason);
      expect(err.message).toContain("s3://bucket/key.sqlite");
    }
  });

  it("takes the mode and cache directory from a config file, the environment or the DSN", async () => {
    const cacheDir = freshCacheDir();
    const fromEnv = Config.fromEnv({
      PGQRS_DSN: "s3://b/k.sqlite",
      PGQRS_S3_MODE: "local",
      PGQRS_S3_CACHE_DIR: cacheDir,
    });
    expect(fromEnv.s3).toEqual({ mode: "local", cacheDir });
    expect(fromEnv.backend).toBe("s3");
    expect(new Config({ dsn: "s3://b/k.sqlite" }).s3).toEqual({ mode: "durable", cacheDir: undefined });
    expect(() => Config.fromEnv({ PGQRS_DSN: "s3://b/k.sqlite", PGQRS_S3_MODE: "eventual" })).toThrow(
      /PGQRS_S3_MODE: must be "durable" or "local"/,
    );

    const dir = freshCacheDir();
    const store = await pgqrs.connect(`${s3.freshDsn("dsn-cache")}?cache_dir=${encodeURIComponent(dir)}`);
    try {
      expect(store.backendName()).toBe("s3");
      expect(pgqrs.asS3(store).mode).toBe("durable");
      expect(pgqrs.asS3(store).cacheFile.startsWith(dir)).toBe(true);
      await pgqrs.admin(store).install();
      expect(readdirSync(dir).some((f) => f.endsWith(".sqlite"))).toBe(true);
    } finally {
      await store.close();
    }
  });

  it("loads @aws-sdk/client-s3 on first use, an optional peer dependency", async () => {
    expect(S3_BACKEND.driver).toEqual({ packageName: "@aws-sdk/client-s3", backend: "S3" });
    const pkg = JSON.parse(readFileSync("package.json", "utf8")) as {
      peerDependencies: Record<string, string>;
      peerDependenciesMeta: Record<string, { optional?: boolean }>;
    };
    expect(pkg.peerDependencies["@aws-sdk/client-s3"]).toBeDefined();
    expect(pkg.peerDependenciesMeta["@aws-sdk/client-s3"]?.optional).toBe(true);
  });

  it("reports its capabilities: one process per object, network round trips", async () => {
    const store = await pgqrs.connect(s3.freshDsn("caps"), { s3: { cacheDir: freshCacheDir(), mode: "local" } });
    try {
      expect(store.capabilities).toMatchObject({
        backendName: "s3",
        processesPerDatabase: "one",
        listenNotify: false,
        networkRoundTrips: true,
      });
      expect(pgqrs.asS3(store).mode).toBe("local");
    } finally {
      await store.close();
    }
    expect(() => pgqrs.asS3(store)).toThrow(expect.objectContaining({ code: "STORE_CLOSED" }));
  });
});
