/**
 * Reads from a hot standby, writes refused there, and host selection, against a real primary with a streaming
 * standby that this file starts for itself (scripts/start-standby-pair.sh, ports 54521/54522).
 *
 * The dashboard, `stats` and every read-only CLI command work with the standby's DSN (opening a store writes
 * nothing); a write fails with READ_ONLY saying the database is read-only and to use the primary, never a raw SQL
 * error. Multi-host DSNs land on the server `target_session_attrs` asks for, in either DSN form.
 */
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { startDashboard } from "../../src/dashboard/server.js";
import * as pgqrs from "../../src/index.js";
import { PgqrsError, type Store } from "../../src/index.js";
import { createPgPool } from "../../src/store/postgres/postgres-multi-host.js";
import { OffsetClock, type Seeded, seedDemo } from "../dashboard/seed.js";
import { type StandbyPair, startStandbyPair } from "../faults/support/standby-pair.js";

const SCHEMA = "standby_reads";
let pair: StandbyPair;
let seedStore: Store;
let seeded: Seeded;

beforeAll(async () => {
  // Asynchronous: these tests only read from the standby, after waiting for it to replay.
  pair = startStandbyPair(54521, 54522, false);
  const clock = new OffsetClock();
  seedStore = await pgqrs.connect(pair.primaryDsn, { schema: SCHEMA, clock });
  await pgqrs.admin(seedStore).install();
  seeded = await seedDemo(seedStore, clock);
  pair.waitForReplay();
}, 120_000);

afterAll(async () => {
  await seedStore?.close();
  pair?.stop();
});

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  return cliOn(pair.standbyDsn, argv);
}

async function cliOn(dsn: string, argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let o = "";
  let e = "";
  out.on("data", (d: Buffer) => {
    o += d.toString();
  });
  err.on("data", (d: Buffer) => {
    e += d.toString();
  });
  const io = {
    out: out as unknown as NodeJS.WriteStream,
    err: err as unknown as NodeJS.WriteStream,
    env: {},
    cwd: "/",
  };
  const code = await main([...argv, "--dsn", dsn, "--schema", SCHEMA], io);
  return { code, out: o, err: e };
}

async function serverOf(dsn: string): Promise<{ port: number; standby: boolean }> {
  const pool = createPgPool({ connectionString: dsn, max: 1, connectionTimeoutMillis: 5000 });
  try {
    const { rows } = await pool.query<{ port: number; standby: boolean }>(
      "SELECT pg_catalog.inet_server_port() AS port, pg_catalog.pg_is_in_recovery() AS standby",
    );
    return rows[0] as { port: number; standby: boolean };
  } finally {
    await pool.end();
  }
}

describe("a store on a hot standby", () => {
  it("every read-only CLI command answers from the standby", async () => {
    const message = (await seedStore.tables().messages().list({ limit: 1 }))[0];
    const schedules = await pgqrs.admin(seedStore).listSchedules({ limit: 1 });
    const commands: string[][] = [
      ["stats"],
      ["verify"],
      ["queue", "list"],
      ["queue", "show", "emails"],
      ["queue", "metrics"],
      ["message", "list", "payments"],
      ["message", "show", String(message?.id)],
      ["dlq", "list", "payments"],
      ["worker", "list", "--all"],
      ["worker", "health"],
      ["workflow", "list"],
      ["workflow", "runs", "process_order"],
      ["workflow", "run", String(seeded.runningRunId)],
      ["workflow", "steps", String(seeded.runningRunId)],
      ["schedule", "list"],
      ["retention", "show", "emails"],
    ];
    if (schedules[0] !== undefined) commands.push(["schedule", "show", schedules[0].name]);
    for (const argv of commands) {
      // The same answer as from the primary (`worker health` exits 1 for the seeded stale worker on both).
      const onPrimary = await cliOn(pair.primaryDsn, [...argv, "--json"]);
      const r = await cli(...argv, "--json");
      expect({ argv, code: r.code, err: r.err }).toEqual({ argv, code: onPrimary.code, err: onPrimary.err });
      expect(() => JSON.parse(r.out)).not.toThrow();
      expect(r.out.length).toBeGreaterThan(1);
    }
    const stats = JSON.parse((await cli("stats", "--json")).out) as Record<string, unknown>;
    expect(JSON.stringify(stats)).toContain("3");
  });

  it("writes fail with READ_ONLY naming the standby and the primary, from the API and the CLI", async () => {
    const store = await pgqrs.connect(pair.standbyDsn, { schema: SCHEMA });
    try {
      const attempts: (() => Promise<unknown>)[] = [
        () => pgqrs.admin(store).createQueue("nope"),
        () => store.producer("emails"),
        () => store.consumer("emails", "standby-consumer"),
      ];
      for (const attempt of attempts) {
        const err = await attempt().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(PgqrsError);
        expect((err as PgqrsError).code).toBe("READ_ONLY");
        expect((err as PgqrsError).message).toMatch(/read-only \(a standby/);
        expect((err as PgqrsError).message).toContain("primary");
      }
      // Installing an up-to-date schema writes nothing, so it succeeds; installing a new one is a write.
      await expect(pgqrs.admin(store).install()).resolves.toBeUndefined();
      const fresh = await pgqrs.connect(pair.standbyDsn, { schema: "standby_not_installed" });
      await expect(pgqrs.admin(fresh).install()).rejects.toMatchObject({ code: "READ_ONLY" });
      await fresh.close();
    } finally {
      await store.close();
    }
    for (const argv of [
      ["message", "enqueue", "emails", "{}"],
      ["queue", "create", "nope"],
    ]) {
      const r = await cli(...argv);
      expect(r.code).not.toBe(0);
      expect(r.err).toContain("read-only");
      expect(r.err).toContain("primary");
      expect(r.err).not.toContain("Database query failed");
    }
  });

  it("the dashboard serves every page and /metrics from the standby; an action reports READ_ONLY", async () => {
    const store = await pgqrs.connect(pair.standbyDsn, { schema: SCHEMA });
    const dashboard = await startDashboard({ store, host: "127.0.0.1", port: 0, log: () => undefined });
    try {
      const base = dashboard.url.replace(/\/$/, "");
      const message = (await seedStore.tables().messages().list({ limit: 1 }))[0];
      for (const path of [
        "/",
        "/workers",
        "/workflows",
        "/schedules",
        `/queues/${seeded.queues.emails}`,
        `/queues/${seeded.queues.payments}?state=dead`,
        `/runs/${seeded.runningRunId}`,
        `/api/messages/${message?.id}`,
        "/metrics",
      ]) {
        const res = await fetch(`${base}${path}`);
        expect({ path, status: res.status }).toEqual({ path, status: 200 });
      }
      const [dead] = seeded.deadMessageIds;
      const page = await (await fetch(`${base}/queues/${seeded.queues.payments}?state=dead`)).text();
      const csrf = /data-csrf="([^"]*)"/.exec(page)?.[1] ?? "";
      const res = await fetch(`${base}/actions/queues/${seeded.queues.payments}/messages/${dead}/replay`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", origin: base, "x-pgqrs-csrf": csrf },
        body: "",
      });
      const text = await res.text();
      expect(res.status).not.toBe(200);
      expect(text).toContain("read-only");
      expect(text).toContain("primary");
    } finally {
      await dashboard.close();
      await store.close();
    }
  });
});

describe("multi-host DSNs select the server target_session_attrs asks for", () => {
  it("URL and keyword forms, standby listed first: read-write finds the primary, the others as libpq does", async () => {
    const s = pair.standbyPort;
    const p = pair.primaryPort;
    const url = (attrs: string) =>
      `postgresql://postgres@127.0.0.1:${s},127.0.0.1:${p}/pgqrs_test?target_session_attrs=${attrs}`;
    const keyword = (attrs: string) =>
      `host=127.0.0.1,127.0.0.1 port=${s},${p} dbname=pgqrs_test user=postgres target_session_attrs=${attrs}`;
    const expected: Record<string, number> = {
      "read-write": p,
      primary: p,
      any: s,
      "read-only": s,
      standby: s,
      "prefer-standby": s,
    };
    for (const [attrs, port] of Object.entries(expected)) {
      expect({ attrs, form: "url", port: (await serverOf(url(attrs))).port }).toEqual({ attrs, form: "url", port });
      expect({ attrs, form: "kw", port: (await serverOf(keyword(attrs))).port }).toEqual({ attrs, form: "kw", port });
    }
    // prefer-standby with only the primary listed falls back to it; standby with only the primary fails.
    const onlyPrimary = `postgresql://postgres@127.0.0.1:${p}/pgqrs_test?target_session_attrs=`;
    expect((await serverOf(`${onlyPrimary}prefer-standby`)).port).toBe(p);
    await expect(serverOf(`${onlyPrimary}standby`)).rejects.toMatchObject({ code: "08001" });
  });

  it("a store on a read-write multi-host DSN writes to the primary even when the standby is listed first", async () => {
    const store = await pgqrs.connect(
      `postgresql://postgres@127.0.0.1:${pair.standbyPort},127.0.0.1:${pair.primaryPort}/pgqrs_test?target_session_attrs=read-write`,
      { schema: SCHEMA },
    );
    try {
      const producer = await store.producer("emails", "multi-host-producer");
      const sent = await producer.enqueue({ via: "multi-host" });
      const seen = await seedStore.tables().messages().get(sent.id);
      expect(seen?.payload).toEqual({ via: "multi-host" });
    } finally {
      await store.close();
    }
  });

  it("read-write with only the standby listed: CONNECTION_FAILED after the connect retries, saying why", async () => {
    const dsn = `postgresql://postgres@127.0.0.1:${pair.standbyPort}/pgqrs_test?target_session_attrs=read-write`;
    const err = await pgqrs.connect(dsn, { schema: SCHEMA, connectionTimeoutSeconds: 2 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PgqrsError);
    expect((err as PgqrsError).code).toBe("CONNECTION_FAILED");
    expect((err as PgqrsError).message).toContain(`no server of 127.0.0.1:${pair.standbyPort} accepts a read-write`);
    // Retried as a server that will be back (a promotion under way), not failed at once.
    expect((err as PgqrsError).details.attempts).toBeGreaterThan(1);
  });

  it("a malformed host list or target_session_attrs is INVALID_CONFIG before anything is opened", async () => {
    for (const dsn of [
      "host=127.0.0.1,127.0.0.1 port=1,2,3 dbname=x",
      `postgresql://127.0.0.1:${pair.primaryPort}/pgqrs_test?target_session_attrs=writable`,
      "host=127.0.0.1 port=http dbname=x",
    ]) {
      await expect(pgqrs.connect(dsn)).rejects.toMatchObject({ code: "INVALID_CONFIG" });
    }
  });
});
