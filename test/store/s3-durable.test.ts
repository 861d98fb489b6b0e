/**
 * The S3 backend in durable mode, against a real S3-protocol server on loopback (fauxqs behind the harness's
 * conditional-write proxy): queue and workflow round trips, every write published before its call resolves,
 * a restart from an empty cache dir reading the object back.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pgqrs from "../../src/default-export.js";
import { freshCacheDir, type S3TestServer, startS3TestServer } from "../support/s3-server.js";
import { openS3Store } from "../support/s3-stores.js";

let s3: S3TestServer;
beforeAll(async () => {
  s3 = await startS3TestServer();
});
afterAll(async () => {
  await s3?.stop();
});

describe("S3 durable mode", () => {
  it("creates the object on install and publishes every write before the call resolves", async () => {
    const dsn = s3.freshDsn();
    const store = await openS3Store({ dsn });
    try {
      expect(store.backendName()).toBe("s3");
      expect(await s3.etagOf(dsn)).toBeNull();
      await pgqrs.admin(store).install();
      const afterInstall = await s3.etagOf(dsn);
      expect(afterInstall).not.toBeNull();
      await store.queue("emails");
      const producer = await store.producer("emails");
      const sent = await producer.enqueue({ to: "a@example.com" });
      const afterEnqueue = await s3.etagOf(dsn);
      expect(afterEnqueue).not.toBe(afterInstall);
      expect(await pgqrs.asS3(store).state()).toMatchObject({ state: "InSync", localDirty: false });

      // A second store with an empty cache reads what the first one acknowledged.
      const reader = await openS3Store({ dsn, cacheDir: freshCacheDir() });
      try {
        const msg = await reader.context.backend.getMessage(sent.id);
        expect(msg?.payload).toEqual({ to: "a@example.com" });
      } finally {
        await reader.close();
      }
    } finally {
      await store.close();
    }
  });
});
