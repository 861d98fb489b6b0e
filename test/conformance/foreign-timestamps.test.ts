import { PassThrough } from "node:stream";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { startDashboard } from "../../src/dashboard/server.js";
import * as pgqrs from "../../src/index.js";
import { MAX_TIME_MS, MIN_TIME_MS } from "../../src/validation/time-arguments.js";
import { type BackendName, databaseFile, EVERY_BACKEND, postgresDsn } from "../support/backends.js";
import { openFile } from "../support/raw-sql.js";
import { openTestStore } from "../support/stores.js";

// Issue 14 item 3 (review M1): rows another program wrote with dates this package would refuse (BC dates, years
// past 9999, infinity, text that is no timestamp) read back clamped to 1970-01-01 … 9999-12-31T23:59:59.999Z,
// never as an Invalid Date: the API, the dashboard and the CLI list and show them.

const EARLIEST = new Date(MIN_TIME_MS).toISOString();
const LATEST = new Date(MAX_TIME_MS).toISOString();

/** Insert three messages and age a worker's heartbeat with raw SQL; returns the message ids in insert order. */
async function writeForeignRows(backend: BackendName, dsn: string, schema: string, queueId: number) {
  if (backend === "postgres") {
    const client = new pg.Client({ connectionString: postgresDsn() });
    await client.connect();
    try {
      const t = `"${schema}".pgqrs_messages`;
      const rows = await client.query<{ id: string }>(
        `INSERT INTO ${t} (queue_id, payload, vt, enqueued_at, archived_at) VALUES
           ($1, '{"n":1}', '-infinity', '4369-04-02 00:00:00+00 BC', NULL),
           ($1, '{"n":2}', 'infinity', '20000-01-01 00:00:00+00', NULL),
           ($1, '{"n":3}', '0044-03-15 12:00:00+00 BC', 'infinity', '-infinity')
         RETURNING id`,
        [queueId],
      );
      await client.query(`UPDATE "${schema}".pgqrs_workers SET heartbeat_at = '-infinity'`);
      return rows.rows.map((r) => Number(r.id));
    } finally {
      await client.end();
    }
  }
  const db = openFile(backend, databaseFile(dsn));
  try {
    const insert = db.prepare(
      "INSERT INTO pgqrs_messages (queue_id, payload, vt, enqueued_at, archived_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
    );
    const ids = [
      // What earlier versions wrote for a delay of 1e12 s: `+033715-08-29T…` cut at fixed offsets.
      insert.get(queueId, '{"n":1}', "+033715-08 9T12:34:56.7000", "-004368-04-02 00:00:00.000000", null),
      insert.get(queueId, '{"n":2}', "garbage", "20000-01-01 00:00:00.000000", null),
      insert.get(queueId, '{"n":3}', "0044-03-15 12:00:00", "+275760-09-13 00:00:00.000", "not a date"),
    ].map((r) => (r as { id: number }).id);
    db.prepare("UPDATE pgqrs_workers SET heartbeat_at = ?").run("-000001-01-01 00:00:00");
    return ids;
  } finally {
    db.close();
  }
}

function expectValidDates(record: object): void {
  for (const [key, value] of Object.entries(record)) {
    if (!(value instanceof Date)) continue;
    expect(Number.isNaN(value.getTime()), key).toBe(false);
    expect(value.getTime(), key).toBeGreaterThanOrEqual(MIN_TIME_MS);
    expect(value.getTime(), key).toBeLessThanOrEqual(MAX_TIME_MS);
  }
}

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks = { out: "", err: "" };
  out.on("data", (c: Buffer) => {
    chunks.out += c.toString();
  });
  err.on("data", (c: Buffer) => {
    chunks.err += c.toString();
  });
  const io = { out, err, env: {}, cwd: process.cwd() } as unknown as Parameters<typeof main>[1];
  const code = await main(args, io);
  return { code, ...chunks };
}

describe.each(EVERY_BACKEND)("timestamps written by another program on %s", (backend) => {
  it("read back clamped to the range through the API, the dashboard and the CLI", async () => {
    const { store, dsn, schema } = await openTestStore(backend);
    const admin = pgqrs.admin(store);
    const q = await admin.createQueue("q");
    const consumer = await store.consumer("q");
    const [early, late, archived] = await writeForeignRows(backend, dsn, schema, q.id);

    const listed = await store.tables().messages().list({ state: "all" });
    expect(listed).toHaveLength(3);
    for (const m of listed) expectValidDates(m);
    const e = await admin.getMessage(early!);
    expect(e.enqueuedAt.toISOString()).toBe(EARLIEST);
    expect((await admin.getMessage(late!)).enqueuedAt.toISOString()).toBe(LATEST);
    expectValidDates(await admin.getMessage(archived!));
    for (const w of await admin.listWorkers()) {
      expectValidDates(w);
      expect(w.heartbeatAt.toISOString()).toBe(EARLIEST);
    }
    expectValidDates(await admin.queueMetrics("q"));
    for (const m of await consumer.dequeue({ batchSize: 10 })) expectValidDates(m);

    const dashboard = await startDashboard({ store, host: "127.0.0.1", port: 0 });
    try {
      const page = await fetch(new URL(`/queues/${q.id}`, dashboard.url));
      expect(page.status).toBe(200);
      const api = await fetch(new URL(`/api/messages/${early}`, dashboard.url));
      expect(api.status).toBe(200);
      expect(((await api.json()) as { enqueuedAt: string }).enqueuedAt).toBe(EARLIEST);
    } finally {
      await dashboard.close();
    }

    const flags = ["--dsn", dsn, "--schema", schema];
    const list = await cli(["message", "list", "q", "--state", "all", ...flags]);
    expect(list.err).toBe("");
    expect(list.code).toBe(0);
    const show = await cli(["message", "show", String(late), "--json", ...flags]);
    expect(show.err).toBe("");
    expect(show.code).toBe(0);
    expect(show.out).toContain(LATEST);
  });
});
