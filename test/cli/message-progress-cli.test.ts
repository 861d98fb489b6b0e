import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import * as pgqrs from "../../src/index.js";
import { BACKENDS } from "../support/backends.js";
import { assertBuilt, CliDatabase } from "./cli-harness.js";

beforeAll(assertBuilt);
// Every step spawns a CLI process; on a loaded machine that is ~0.5 s each.
vi.setConfig({ testTimeout: 90_000 });

describe.each(BACKENDS)("message show with progress on %s", (backend) => {
  const db = new CliDatabase(backend);
  let store: pgqrs.Store;

  beforeAll(async () => {
    expect(await db.ok("install")).toContain("Schema installed");
    store = await pgqrs.connect(db.dsn, { schema: db.schema });
  });
  afterAll(async () => {
    await store?.close();
    await db.drop();
  });

  it("shows the last reported progress, '-' before any", async () => {
    await store.queue("imports");
    const m = await (await store.producer("imports")).enqueue({ file: "a.csv" });
    expect(await db.ok("message", "show", String(m.id))).toMatch(/^progress\s+-$/m);
    expect((await db.json<pgqrs.QueueMessage>("message", "show", String(m.id))).progress).toBeNull();

    const consumer = await store.consumer("imports");
    await consumer.dequeue();
    // Keys in PostgreSQL's jsonb order (shorter first), so both backends print the same text.
    expect(await consumer.updateProgress(m.id, { of: 5000, rows: 1200 })).toBe(true);
    expect(await db.ok("message", "show", String(m.id))).toMatch(/^progress\s+\{"of":5000,"rows":1200\}$/m);
    expect((await db.json<pgqrs.QueueMessage>("message", "show", String(m.id))).progress).toEqual({
      of: 5000,
      rows: 1200,
    });
  });
});
