import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { openTestStore, thrown } from "../support/stores.js";

const HOSTILE_NAMES = [
  "it's",
  'say "hi"',
  "back\\slash",
  "'; DROP TABLE pgqrs_messages; --",
  '"; DROP SCHEMA public CASCADE; --',
  "a\u0000b",
  "名前".repeat(100),
  "😀".repeat(60),
  "$1",
  "%s%n",
];

describe.each(EVERY_BACKEND)("hostile names on %s", (backend) => {
  it("queue and worker names are plain data or a clear error, never SQL", async () => {
    const { store } = await openTestStore(backend);
    const admin = pgqrs.admin(store);
    for (const name of HOSTILE_NAMES) {
      let created = false;
      try {
        await admin.createQueue(name);
        created = true;
      } catch (err) {
        expect(pgqrs.isPgqrsError(err)).toBe(true);
        expect(["VALIDATION_FAILED", "QUERY_FAILED"]).toContain((err as pgqrs.PgqrsError).code);
      }
      if (!created) continue;
      expect((await admin.getQueue(name)).queueName).toBe(name);
      const producer = await store.producer(name);
      const sent = await producer.enqueue({ name });
      const consumer = await store.consumer(name, `worker ${name}`);
      const [m] = await consumer.dequeue({ batchSize: 1 });
      expect(m?.id).toBe(sent.id);
      expect(m?.payload).toEqual({ name });
      expect(await consumer.archive(sent.id)).toBe(true);
    }
    // Nothing was dropped or injected: the tables and every created queue are still there.
    expect((await admin.listQueues()).length).toBeGreaterThan(0);
    await pgqrs.admin(store).verify();
  });
});

describe("malformed DSNs and configuration files give one clear error", () => {
  it("unsupported, empty and unreachable DSNs", async () => {
    expect((await thrown(() => pgqrs.connect("mysql://u:hunter2@h/db"))).code).toBe("INVALID_CONFIG");
    expect((await thrown(() => pgqrs.connect(""))).code).toBe("MISSING_CONFIG");
    expect((await thrown(() => pgqrs.connect("sqlite://"))).code).toBe("INVALID_CONFIG");
    const unreachable = await thrown(() =>
      pgqrs.connect("postgresql://app:hunter2@127.0.0.1:1/db", { connectionTimeoutSeconds: 2 }),
    );
    expect(unreachable.code).toBe("CONNECTION_FAILED");
    expect(unreachable.message).not.toContain("hunter2");
    const bad = await thrown(() => pgqrs.connect("mysql://u:hunter2@h/db"));
    expect(bad.message).not.toContain("hunter2");
  });

  it("configuration files that are missing, unparsable or wrongly typed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pgqrs-cfg-"));
    const write = (name: string, text: string) => {
      const p = join(dir, name);
      writeFileSync(p, text);
      return p;
    };
    const cases = [
      join(dir, "missing.yaml"),
      write("broken.yaml", "dsn: [unclosed\n  - : :"),
      write("broken.json", '{"dsn": '),
      write("nodsn.yaml", "schema: app\n"),
      write("badnum.yaml", "dsn: sqlite://x.db\nmax_connections: lots\n"),
      write("badschema.yaml", 'dsn: postgresql://u:hunter2@h/db\nschema: "x; DROP"\n'),
      write("list.yaml", "- 1\n- 2\n"),
    ];
    for (const file of cases) {
      const err = await thrown(async () => pgqrs.Config.fromFile(file));
      expect(["INVALID_CONFIG", "MISSING_CONFIG"]).toContain(err.code);
      expect(err.message).not.toContain("hunter2");
    }
  });
});
