/**
 * Failover with nothing lost: a primary with a synchronous streaming standby; producers and workers (child
 * processes) use one multi-host DSN with target_session_attrs=read-write. Mid-load the primary is SIGKILLed (every
 * process of it) and the standby promoted. Everyone carries on against the new primary without a restart, and
 * every acknowledged enqueue and every acknowledged archive is found on it.
 */
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { spawnFixture } from "../support/child.js";
import { type FaultFigures, recordFigures } from "./support/fault-env.js";
import { type StandbyPair, startStandbyPair } from "./support/standby-pair.js";

const PRIMARY_PORT = Number(process.env.PGQRS_FAILOVER_PRIMARY_PORT ?? 54511);
const STANDBY_PORT = Number(process.env.PGQRS_FAILOVER_STANDBY_PORT ?? 54512);
const SCHEMA = "failover";
const QUEUE = "orders";
const PRELOAD = 500;
const PRODUCERS = 2;
const PER_PRODUCER = 1500;
const WORKERS = 3;
/** The workers' heartbeat period (failover-worker.ts), so their zombie threshold is six of these: 3 s. */
const HEARTBEAT_MS = 500;
/**
 * How long the cluster has no primary before the standby is promoted: longer than the zombie threshold, as real
 * failovers are (a failure detector waits seconds before promoting), so every worker misses six heartbeats and the
 * first one back must not take the others for dead.
 */
const PROMOTE_AFTER_MS = 6 * HEARTBEAT_MS + 1_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let pair: StandbyPair;
beforeAll(() => {
  pair = startStandbyPair(PRIMARY_PORT, STANDBY_PORT);
});
afterAll(() => {
  pair?.stop();
});

async function query<R extends pg.QueryResultRow>(dsn: string, sql: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: dsn });
  client.on("error", () => undefined);
  await client.connect();
  try {
    return (await client.query<R>(sql)).rows;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function lines(file: string): string[][] {
  return existsSync(file)
    ? readFileSync(file, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => l.split(" "))
    : [];
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function exitOf(child: ChildProcess): Promise<Exit> {
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-6000);
  });
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal, stdout, stderr })));
}

describe("failover: primary SIGKILLed, synchronous standby promoted (multi-host DSN, real processes)", () => {
  it("producers and workers carry on against the new primary; every acknowledged enqueue and archive survives", async () => {
    const dsn = pair.multiHostDsn("read-write");
    const dir = mkdtempSync(join(tmpdir(), "pgqrs-failover-"));
    const setup = await pgqrs.connect(dsn, { schema: SCHEMA });
    await pgqrs.admin(setup).install();
    await pgqrs.admin(setup).createQueue(QUEUE);
    const producer = await setup.producer(QUEUE);
    for (let i = 0; i < PRELOAD; i += 250) {
      await producer.enqueueBatch(Array.from({ length: 250 }, (_, k) => ({ k: `pre-${i + k}` })));
    }
    await setup.close();

    const execLog = join(dir, "executions.log");
    const archiveAcks = join(dir, "archive-acks.log");
    const workers = await Promise.all(
      Array.from({ length: WORKERS }, () =>
        spawnFixture<{ ready: boolean }>("test/faults/support/failover-worker.ts", [
          dsn,
          SCHEMA,
          QUEUE,
          execLog,
          archiveAcks,
          "4",
          "3",
        ]),
      ),
    );
    const workerExits = workers.map(({ child }) => exitOf(child));
    const enqueueAcks = Array.from({ length: PRODUCERS }, (_, p) => join(dir, `enqueue-acks-${p}.log`));
    const producers = await Promise.all(
      enqueueAcks.map((ackFile, p) =>
        spawnFixture<{ ready: boolean }>("test/faults/support/failover-producer.ts", [
          dsn,
          SCHEMA,
          QUEUE,
          `p${p}`,
          String(PER_PRODUCER),
          ackFile,
        ]),
      ),
    );
    const producerExits = producers.map(({ child }) => exitOf(child));
    const started = Date.now();

    // Mid-load, whatever the machine's speed: some work archived, most of the producers' enqueues still to come.
    const ackedEnqueues = () => enqueueAcks.reduce((s, f) => s + lines(f).length, 0);
    while (lines(archiveAcks).length < 300 || ackedEnqueues() < 300) await sleep(20);
    const before = { enqueues: ackedEnqueues(), archives: lines(archiveAcks).length };
    pair.killPrimary();
    // After the signals (listing the primary's processes first takes a few ms, while it still commits).
    const killedAt = Date.now();
    await sleep(PROMOTE_AFTER_MS);
    pair.promoteStandby();
    const promotedAt = Date.now();

    const producerResults = await Promise.all(producerExits);
    const newPrimary = pair.standbyDsn;
    const expected = PRELOAD + PRODUCERS * PER_PRODUCER;
    // Every acknowledged message archived (a producer that gave up acknowledged fewer: the checks below say so).
    const ackedTotal = PRELOAD + ackedEnqueues();
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      const [row] = await query<{ open: string; total: string }>(
        newPrimary,
        `SELECT count(*) FILTER (WHERE archived_at IS NULL) AS open, count(*) AS total FROM "${SCHEMA}".pgqrs_messages`,
      );
      if (Number(row?.open) === 0 && Number(row?.total) >= ackedTotal) break;
      await sleep(100);
    }
    // The workers' LISTEN connections moved too (they reconnect with a backoff; consumers poll meanwhile).
    const listenDeadline = Date.now() + 15_000;
    let listening = 0;
    while (Date.now() < listenDeadline) {
      const [row] = await query<{ n: string }>(
        newPrimary,
        "SELECT count(*) AS n FROM pg_catalog.pg_stat_activity WHERE query LIKE 'LISTEN %'",
      );
      listening = Number(row?.n);
      if (listening >= WORKERS) break;
      await sleep(200);
    }
    for (const { child } of workers) child.kill("SIGTERM");
    const workerResults = await Promise.all(workerExits);
    const seconds = Math.round((Date.now() - started) / 100) / 10;

    // Everything is counted on the new primary.
    const rows = await query<{ id: string; k: string; archived: boolean }>(
      newPrimary,
      `SELECT id, payload->>'k' AS k, archived_at IS NOT NULL AS archived FROM "${SCHEMA}".pgqrs_messages`,
    );
    const byId = new Map(rows.map((r) => [Number(r.id), r]));
    const keys = new Set(rows.map((r) => r.k));
    const archivedKeys = new Set(rows.filter((r) => r.archived).map((r) => r.k));
    const enqueued = enqueueAcks.flatMap(lines);
    const archived = lines(archiveAcks);
    const acked = new Set([...Array.from({ length: PRELOAD }, (_, i) => `pre-${i}`), ...enqueued.map((l) => l[0])]);
    const lostEnqueues = enqueued.filter(([key, id]) => !keys.has(key as string) || !byId.has(Number(id))).length;
    const lostArchives = archived.filter(([id]) => byId.get(Number(id))?.archived !== true).length;
    const notArchivedAtEnd = [...acked].filter((k) => !archivedKeys.has(k as string)).length;
    const keyRows = new Map<string, number>();
    for (const r of rows) keyRows.set(r.k, (keyRows.get(r.k) ?? 0) + 1);
    const producerDuplicates = [...keyRows.values()].reduce((s, n) => s + n - 1, 0);
    const executions = new Map<string, number>();
    for (const [id] of lines(execLog)) executions.set(id as string, (executions.get(id as string) ?? 0) + 1);
    const duplicateExecutions = [...executions.values()].reduce((s, n) => s + n - 1, 0);
    // A lease taken on the old primary but not yet on the standby (claims do not wait for it) is taken again on the
    // new primary with the same read_ct: the one case where two executions share a lease number.
    const leases = new Map<string, number>();
    for (const [id, readCt] of lines(execLog)) leases.set(`${id} ${readCt}`, (leases.get(`${id} ${readCt}`) ?? 0) + 1);
    const repeatedLeases = [...leases.values()].filter((n) => n > 1).length;
    const firstAfter = (times: number[], from: number) => Math.min(...times.filter((t) => t > from)) - from;
    // The longest stretch without an acknowledgement: how long the failover stopped the work.
    const longestGap = (times: number[]) => {
      const sorted = times.filter((t) => t >= started).sort((a, b) => a - b);
      return sorted.slice(1).reduce((gap, t, i) => Math.max(gap, t - (sorted[i] as number)), 0);
    };
    const enqueueTimes = enqueued.map((l) => Number(l[2]));
    const archiveTimes = archived.map((l) => Number(l[1]));
    const enqueueAfterPromotionMs = firstAfter(enqueueTimes, promotedAt);
    const archiveAfterPromotionMs = firstAfter(archiveTimes, promotedAt);
    const enqueueGapMs = longestGap(enqueueTimes);
    const archiveGapMs = longestGap(archiveTimes);
    const summaries = producerResults.map((r) => JSON.parse(r.stdout.trim().split("\n").at(-1) ?? "{}"));
    const retries = summaries.reduce((s, x: { retried?: number }) => s + (x.retried ?? 0), 0);
    const errorCodes: Record<string, number> = {};
    for (const x of summaries as { errors?: Record<string, number> }[])
      for (const [c, n] of Object.entries(x.errors ?? {})) errorCodes[c] = (errorCodes[c] ?? 0) + n;
    const workerSurvived: Record<string, number> = {};
    for (const w of workerResults) {
      const m = /\{"survived":(\{[^}]*\})\}/.exec(w.stderr);
      for (const [c, n] of Object.entries(JSON.parse(m?.[1] ?? "{}") as Record<string, number>))
        workerSurvived[c] = (workerSurvived[c] ?? 0) + n;
    }
    const unplanned = workerResults.filter((w) => w.code !== 0);

    const figures: FaultFigures & { section: { title: string; lines: string[] } } = {
      scenario: "failover-sync-standby",
      fault:
        "SIGKILL of every process of the primary while 3 workers drain and 2 producers enqueue (multi-host DSN, target_session_attrs=read-write), then, 4 s later, pg_ctl promote of its synchronous standby",
      faultsInjected: 1,
      messagesIn: acked.size,
      archived: [...acked].filter((k) => archivedKeys.has(k as string)).length,
      lost: notArchivedAtEnd + lostEnqueues + lostArchives,
      duplicateExecutions,
      duplicatesExplained:
        "a lease taken on the old primary and not yet replicated (claims commit without waiting for the standby; acknowledgements wait) is taken again on the new one, and a handler that ran but whose archive was not acknowledged before the kill runs again",
      workerExitsUnplanned: unplanned.length,
      notes: [
        `acknowledged before the kill: ${before.enqueues} enqueues, ${before.archives} archives; all found on the new primary (enqueues lost ${lostEnqueues}, archives lost ${lostArchives})`,
        `kill to promotion done: ${promotedAt - killedAt} ms; first acknowledged enqueue after the promotion ${enqueueAfterPromotionMs} ms, first acknowledged archive ${archiveAfterPromotionMs} ms; longest stretch without an acknowledged enqueue ${enqueueGapMs} ms, without an acknowledged archive ${archiveGapMs} ms`,
        `producers retried ${retries} enqueue(s): ${JSON.stringify(errorCodes)}; rows beyond one per acknowledged key (an enqueue committed whose acknowledgement the kill cut off, then retried): ${producerDuplicates}`,
        `errors the workers' loops survived: ${JSON.stringify(workerSurvived)}`,
        `executions that repeated a lease number (read_ct) because the old primary's claim never reached the standby: ${repeatedLeases}`,
      ],
      seconds,
      section: {
        title: "Failover to a synchronous standby",
        lines: [
          "The primary streams to a standby with `synchronous_standby_names = '*'` and `synchronous_commit = on` " +
            "(scripts/start-standby-pair.sh), so a commit is acknowledged only once the standby has its WAL. " +
            "Producers and workers run in their own processes with one DSN naming both servers " +
            "(`postgresql://…@primary:p1,standby:p2/db?target_session_attrs=read-write`). Mid-load every process " +
            "of the primary is SIGKILLed and the standby promoted (`pg_ctl promote`); nobody is restarted.",
          "",
          "| measured | value |",
          "| --- | ---: |",
          `| messages acknowledged (preloaded + enqueued) | ${acked.size} |`,
          `| enqueues acknowledged before the kill | ${before.enqueues} |`,
          `| archives acknowledged before the kill | ${before.archives} |`,
          `| acknowledged enqueues missing on the new primary | **${lostEnqueues}** |`,
          `| acknowledged archives not archived on the new primary | **${lostArchives}** |`,
          `| acknowledged messages not archived at the end | **${notArchivedAtEnd}** |`,
          `| kill → promotion complete | ${promotedAt - killedAt} ms |`,
          `| promotion complete → first acknowledged enqueue | ${enqueueAfterPromotionMs} ms |`,
          `| promotion complete → first acknowledged archive | ${archiveAfterPromotionMs} ms |`,
          `| longest stretch without an acknowledged enqueue (the outage producers saw) | ${enqueueGapMs} ms |`,
          `| longest stretch without an acknowledged archive (the outage workers saw) | ${archiveGapMs} ms |`,
          `| enqueue retries by the producers | ${retries} |`,
          `| duplicate rows from retried enqueues | ${producerDuplicates} |`,
          `| duplicate handler executions | ${duplicateExecutions} |`,
          `| worker or producer processes that exited or were restarted | ${unplanned.length + producerResults.filter((r) => r.code !== 0).length} |`,
          "",
          `The outage is the failover itself (here the standby is promoted ${PROMOTE_AFTER_MS / 1000} s after the kill, longer than the workers' zombie threshold of six ${HEARTBEAT_MS} ms heartbeats: the first worker back does not take the others for dead) plus the clients' retry ` +
            "pauses: a connection to the dead primary is refused, the next one scans the host list in order and " +
            "lands on the promoted standby. In production the time is set by whatever detects the failure and " +
            "promotes (Patroni, a managed service); pgqrs needs only the DSN to list every server.",
        ],
      },
    };
    recordFigures(figures);

    for (const r of producerResults) expect(r.code, r.stdout).toBe(0);
    expect(unplanned.map((w) => w.stderr)).toEqual([]);
    expect(before.archives).toBeGreaterThanOrEqual(300);
    expect(before.enqueues).toBeLessThan(PRODUCERS * PER_PRODUCER);
    expect(lostEnqueues).toBe(0);
    expect(lostArchives).toBe(0);
    expect(notArchivedAtEnd).toBe(0);
    expect(acked.size).toBe(expected);
    expect(listening).toBeGreaterThanOrEqual(WORKERS);
    // Work went on after the promotion, on the promoted standby, in the same processes.
    expect(enqueueAfterPromotionMs).toBeLessThan(Number.POSITIVE_INFINITY);
    expect(archiveAfterPromotionMs).toBeLessThan(Number.POSITIVE_INFINITY);
    for (const code of Object.keys(errorCodes)) expect(["CONNECTION_FAILED", "CONFLICT"]).toContain(code);
  });
});
