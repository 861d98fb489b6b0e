/**
 * The S3 backend in local mode and the sync rules of `asS3(store)` (spec §4.3), against a real S3-protocol server
 * on loopback (fauxqs behind the harness's conditional-write proxy): writes stay in the cache until `sync()`,
 * pgqrs's sync states, snapshots, two writers racing one key, a deleted object, a removed cache file, a restart.
 */
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pgqrs from "../../src/default-export.js";
import { isPgqrsError } from "../../src/errors.js";
import type { Store } from "../../src/index.js";
import { freshSqlitePath } from "../support/backends.js";
import { freshCacheDir, type S3TestServer, startS3TestServer } from "../support/s3-server.js";
import { openS3Store } from "../support/s3-stores.js";

let s3: S3TestServer;
beforeAll(async () => {
  s3 = await startS3TestServer();
});
afterAll(async () => {
  await s3?.stop();
});

async function queueNames(store: Store): Promise<string[]> {
  return (await store.context.backend.listQueues()).map((q) => q.queueName).sort();
}

describe("S3 local mode", () => {
  it("publishes only on sync()", async () => {
    const dsn = s3.freshDsn("local");
    const store = await openS3Store({ dsn, mode: "local" });
    const s = pgqrs.asS3(store);
    try {
      expect(s.mode).toBe("local");
      const puts = s3.counts.PUT ?? 0;
      await s.bootstrap();
      await store.queue("staged");
      await (await store.producer("staged")).enqueue({ n: 1 });
      expect(s3.counts.PUT ?? 0).toBe(puts);
      expect(await s3.etagOf(dsn)).toBeNull();
      expect(await s.state()).toMatchObject({ state: "RemoteMissing", localDirty: true, remoteEtag: null });

      const first = await s.sync();
      expect(first.published).toBe(true);
      expect(await s3.etagOf(dsn)).toBe(first.etag);
      expect(await s.state()).toMatchObject({ state: "InSync", localDirty: false, localEtag: first.etag });
      // Nothing to publish: no PUT, same ETag.
      expect(await s.sync()).toEqual({ published: false, etag: first.etag });

      await (await store.producer("staged")).enqueue({ n: 2 });
      expect(await s.state()).toMatchObject({ state: "LocalChanges", localDirty: true });
      expect(await s3.etagOf(dsn)).toBe(first.etag);
      const second = await s.sync();
      expect(second.etag).not.toBe(first.etag);
      expect(await s3.etagOf(dsn)).toBe(second.etag);
    } finally {
      await store.close();
    }
  });

  it("snapshot() pulls what another writer published, refuses over unsynced writes, and is a no-op when current", async () => {
    const dsn = s3.freshDsn("follow");
    const writer = await openS3Store({ dsn, mode: "local" });
    const follower = await openS3Store({ dsn, mode: "local" });
    try {
      await pgqrs.asS3(writer).bootstrap();
      await writer.queue("one");
      await pgqrs.asS3(writer).sync();
      expect(await pgqrs.asS3(follower).snapshot()).toMatchObject({ changed: true });
      expect(await queueNames(follower)).toEqual(["one"]);
      expect(await pgqrs.asS3(follower).snapshot()).toMatchObject({ changed: false });

      await writer.queue("two");
      await pgqrs.asS3(writer).sync();
      expect(await pgqrs.asS3(follower).state()).toMatchObject({ state: "RemoteChanges", localDirty: false });
      await pgqrs.asS3(follower).snapshot();
      expect(await queueNames(follower)).toEqual(["one", "two"]);

      await follower.queue("mine");
      await expect(pgqrs.asS3(follower).snapshot()).rejects.toMatchObject({
        code: "CONFLICT",
        message: expect.stringContaining("unsynced writes"),
      });
      await writer.queue("three");
      await pgqrs.asS3(writer).sync();
      expect(await pgqrs.asS3(follower).state()).toMatchObject({ state: "ConcurrentChanges", localDirty: true });
      await pgqrs.asS3(follower).snapshot({ discardLocalChanges: true });
      expect(await queueNames(follower)).toEqual(["one", "three", "two"]);
    } finally {
      await writer.close();
      await follower.close();
    }
  });

  it("two stores syncing one key at once: exactly one wins, the other gets CONFLICT and its change is not published", async () => {
    const dsn = s3.freshDsn("race");
    const a = await openS3Store({ dsn, mode: "local" });
    const b = await openS3Store({ dsn, mode: "local" });
    try {
      await pgqrs.asS3(a).bootstrap();
      await pgqrs.asS3(a).sync();
      await pgqrs.asS3(b).bootstrap();
      await a.queue("from_a");
      await b.queue("from_b");
      s3.proxy.raceNextPuts(2);
      const outcomes = await Promise.allSettled([pgqrs.asS3(a).sync(), pgqrs.asS3(b).sync()]);
      expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
      const [lost] = outcomes.flatMap((o) => (o.status === "rejected" ? [o.reason as unknown] : []));
      expect(isPgqrsError(lost, "CONFLICT")).toBe(true);
      const winner = outcomes[0]?.status === "fulfilled" ? "from_a" : "from_b";
      const loser = winner === "from_a" ? b : a;
      // The loser keeps its writes, unpublished.
      expect(await pgqrs.asS3(loser).state()).toMatchObject({ state: "ConcurrentChanges", localDirty: true });

      const reader = await openS3Store({ dsn, mode: "local" });
      try {
        await pgqrs.asS3(reader).snapshot();
        expect(await queueNames(reader)).toEqual([winner]);
      } finally {
        await reader.close();
      }
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("a fresh writer that installs over an empty cache cannot overwrite an existing object", async () => {
    const dsn = s3.freshDsn("replace");
    const original = await openS3Store({ dsn, mode: "local" });
    await pgqrs.asS3(original).bootstrap();
    await original.queue("precious");
    await pgqrs.asS3(original).sync();
    await original.close();
    const etag = await s3.etagOf(dsn);

    const fresh = await openS3Store({ dsn, mode: "local" });
    try {
      await pgqrs.admin(fresh).install();
      await expect(pgqrs.asS3(fresh).sync()).rejects.toMatchObject({ code: "CONFLICT" });
      expect(await s3.etagOf(dsn)).toBe(etag);
    } finally {
      await fresh.close();
    }
  });

  it("a deleted object: a clean sync does not recreate it, a dirty one does", async () => {
    const dsn = s3.freshDsn("deleted");
    const store = await openS3Store({ dsn, mode: "local" });
    const s = pgqrs.asS3(store);
    try {
      await s.bootstrap();
      await s.sync();
      await s3.deleteObject(dsn);
      expect(await s.state()).toMatchObject({ state: "RemoteMissing", localDirty: false });
      expect(await s.sync()).toMatchObject({ published: false });
      expect(await s3.etagOf(dsn)).toBeNull();
      await store.queue("again");
      expect(await s.state()).toMatchObject({ state: "RemoteMissing", localDirty: true });
      const out = await s.sync();
      expect(out.published).toBe(true);
      expect(await s3.etagOf(dsn)).toBe(out.etag);
      await expect(s.snapshot()).resolves.toMatchObject({ changed: false });
    } finally {
      await store.close();
    }
  });

  it("a removed cache file is LocalMissing: sync refuses, snapshot restores it", async () => {
    const dsn = s3.freshDsn("missing");
    const store = await openS3Store({ dsn, mode: "local" });
    const s = pgqrs.asS3(store);
    try {
      await s.bootstrap();
      await store.queue("kept");
      await s.sync();
      rmSync(s.cacheFile);
      expect(await s.state()).toMatchObject({ state: "LocalMissing" });
      await expect(s.sync()).rejects.toMatchObject({ code: "CONFLICT", message: expect.stringContaining("missing") });
      expect(await s.snapshot()).toMatchObject({ changed: true });
      expect(await queueNames(store)).toEqual(["kept"]);
      expect(await s.state()).toMatchObject({ state: "InSync" });
    } finally {
      await store.close();
    }
  });

  it("a restart on the same cache dir resumes the cache, unsynced writes included", async () => {
    const dsn = s3.freshDsn("resume");
    const cacheDir = freshCacheDir();
    const first = await openS3Store({ dsn, cacheDir, mode: "local" });
    await pgqrs.asS3(first).bootstrap();
    await pgqrs.asS3(first).sync();
    await first.queue("unsynced");
    await first.close();

    const again = await openS3Store({ dsn, cacheDir, mode: "local" });
    try {
      expect(await queueNames(again)).toEqual(["unsynced"]);
      expect(await pgqrs.asS3(again).state()).toMatchObject({ state: "LocalChanges", localDirty: true });
      expect(await pgqrs.asS3(again).sync()).toMatchObject({ published: true });
    } finally {
      await again.close();
    }
    // Another object in the same directory gets its own cache file.
    const other = await openS3Store({ dsn: s3.freshDsn("other"), cacheDir, mode: "local" });
    try {
      expect(await queueNames(other).catch(() => [])).toEqual([]);
    } finally {
      await other.close();
    }
  });

  it("two stores of one process on one cache file share it; a different mode is refused; asS3 on another backend is a VALIDATION_FAILED", async () => {
    const dsn = s3.freshDsn("twice");
    const cacheDir = freshCacheDir();
    const store = await openS3Store({ dsn, cacheDir, mode: "local" });
    try {
      const second = await openS3Store({ dsn, cacheDir, mode: "local" });
      await pgqrs.asS3(store).bootstrap();
      await store.queue("shared");
      expect(await queueNames(second)).toEqual(["shared"]);
      await second.close();
      // Still open for the first store.
      expect(await queueNames(store)).toEqual(["shared"]);
      await expect(openS3Store({ dsn, cacheDir, mode: "durable" })).rejects.toMatchObject({
        code: "INVALID_CONFIG",
        message: expect.stringContaining("s3.mode"),
      });
    } finally {
      await store.close();
    }
    const sqlite = await pgqrs.connect(`sqlite://${freshSqlitePath()}`);
    try {
      expect(() => pgqrs.asS3(sqlite)).toThrow(expect.objectContaining({ code: "VALIDATION_FAILED" }));
      expect(() => pgqrs.asS3(sqlite)).toThrow(/backend is 'sqlite', expected 's3'/);
    } finally {
      await sqlite.close();
    }
  });
});
