/**
 * The CLI surfaces of queue controls for messages (issue 17), on each backend: `message enqueue
 * --priority/--dedup-key/--group-key`, `message list`/`show` with keys and the last error, `worker run --retry-*`
 * passing the loop's retry policy, and `dlq list` reading without dead-lettering anything. Queue settings (`queue
 * create`/`update`/`show`/`list`): queue-controls-cli-settings.test.ts.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import * as pgqrs from "../../src/index.js";
import { BACKENDS } from "../support/backends.js";
import { assertBuilt, CliDatabase, runCli } from "./cli-harness.js";

beforeAll(assertBuilt);
// Every step spawns a CLI process; on a loaded machine that is ~0.5 s each.
vi.setConfig({ testTimeout: 120_000 });

/** Handlers that always fail: one plain error, one whose queue dead-letters at the first failure. */
const MODULE = join(mkdtempSync(join(tmpdir(), "pgqrs-qc-cli-")), "failing-handlers.mjs");
writeFileSync(
  MODULE,
  `export const handlers = {
  qc_flaky: async () => { throw new TypeError("flaky failed"); },
  qc_doomed: async () => { throw new Error("doomed: no way"); },
};
`,
);

describe.each(BACKENDS)("queue controls in the CLI on %s", (backend) => {
  const db = new CliDatabase(backend);
  let store: pgqrs.Store;
  const workerCount = async (): Promise<number> => (await store.tables().workers().list({ limit: 1000 })).length;

  beforeAll(async () => {
    await db.ok("install");
    store = await pgqrs.connect(db.dsn, { schema: db.schema, maxReadCt: 2 });
  });
  afterAll(async () => {
    await store?.close();
    await db.drop();
  });

  it("message enqueue --priority, --dedup-key, --group-key; message list shows them", async () => {
    await db.ok("queue", "create", "qc_msgs");
    const first = await db.json<{ ids: number[] }>(
      "message",
      "enqueue",
      "qc_msgs",
      '{"n":1}',
      "--priority",
      "5",
      "--dedup-key",
      "k1",
      "--group-key",
      "g1",
    );
    const [id] = first.ids;
    expect(await db.json("message", "enqueue", "qc_msgs", '{"n":9}', "--dedup-key", "k1")).toEqual({
      queue: "qc_msgs",
      ids: [id],
      deduplicated: true,
    });
    expect(await db.ok("message", "enqueue", "qc_msgs", '{"n":9}', "--dedup-key", "k1")).toBe(
      `Message ${id} with dedup key 'k1' is already on 'qc_msgs': nothing enqueued.\n`,
    );
    const low = (await db.json<{ ids: number[] }>("message", "enqueue", "qc_msgs", '{"n":2}', "--priority", "-2"))
      .ids[0];

    const workers = await workerCount();
    for (const [args, message] of [
      [["--priority", "1.5"], "--priority: priority must be an integer from -1000000 to 1000000, got 1.5"],
      [["--group-key", ""], "--group-key: groupKey must be a non-empty string of at most 255 characters"],
      [["--dedup-key", "x".repeat(256)], "--dedup-key: dedupKey must be a non-empty string of at most 255"],
    ] as const) {
      const r = await db.run("message", "enqueue", "qc_msgs", '{"n":3}', ...args);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(message);
    }
    const batch = await db.run("message", "enqueue", "qc_msgs", "[1,2]", "--batch", "--dedup-key", "k2");
    expect(batch.code).toBe(2);
    expect(batch.stderr).toContain("--dedup-key takes one payload");
    // A payload over the configured size limit, too.
    const dir = mkdtempSync(join(tmpdir(), "pgqrs-cli-limits-"));
    const { PGQRS_DSN: dsn, PGQRS_SCHEMA: schema } = db.env;
    writeFileSync(
      join(dir, "limits.yaml"),
      `dsn: ${JSON.stringify(dsn)}\nschema: ${JSON.stringify(schema)}\nvalidation_config:\n  max_payload_size_bytes: 16\n`,
    );
    const big = await db.run(
      "message",
      "enqueue",
      "qc_msgs",
      '{"text":"over sixteen bytes"}',
      "--config",
      join(dir, "limits.yaml"),
    );
    expect(big.code).not.toBe(0);
    expect(big.stderr).toContain("Payload size 29 exceeds limit");
    // Refused before the producer is registered: no worker row, no message.
    expect(await workerCount()).toBe(workers);

    const rows = await db.json<pgqrs.QueueMessage[]>("message", "list", "qc_msgs");
    expect(rows.map((m) => [m.id, m.priority, m.groupKey, m.dedupKey])).toEqual([
      [low, -2, null, null],
      [id, 5, "g1", "k1"],
    ]);
    const list = await db.ok("message", "list", "qc_msgs");
    expect(list.split("\n")[0]).toMatch(
      /^ID\s+STATE\s+READS\s+PRIO\s+GROUP\s+DEDUP\s+ENQUEUED\s+VISIBLE AT\s+CONSUMER\s+LAST ERROR\s+PAYLOAD$/,
    );
    expect(list).toMatch(new RegExp(`^\\s*${id}\\s+pending\\s+0\\s+5\\s+g1\\s+k1\\s.*\\s-\\s+\\{"n":1\\}$`, "m"));
    expect(await db.ok("message", "show", String(id))).toMatch(/^priority\s+5\ngroup key\s+g1\ndedup key\s+k1$/m);
  });

  it("worker run --retry-* retries with the flags' backoff; message list/show and dlq list show the error", async () => {
    await db.ok("queue", "create", "qc_flaky");
    await db.ok("queue", "create", "qc_doomed", "--max-attempts", "1");
    const workers = await workerCount();
    const bad = await db.run("worker", "run", "--module", MODULE, "--retry-jitter", "3");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--retry-jitter: retry.jitter must be a number from 0 to 1, got 3");
    expect(await workerCount()).toBe(workers);

    const child = db.spawn(
      "worker",
      "run",
      "--module",
      MODULE,
      "--retry-base-ms",
      "1800000",
      "--retry-max-ms",
      "3600000",
      "--retry-jitter",
      "0",
    );
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    let log = "";
    child.stderr?.on("data", (d: Buffer) => {
      log += d.toString();
    });
    await vi.waitFor(
      () => {
        if (!log.includes("ready on")) throw new Error(`not ready: ${log}`);
      },
      { timeout: 30_000, interval: 50 },
    );
    expect(log).toContain("serving queue 'qc_flaky' as worker");
    expect(log).toMatch(/concurrency 4, retry baseMs 1800000 maxMs 3600000 jitter 0\)/);
    const flaky = (await db.json<{ ids: number[] }>("message", "enqueue", "qc_flaky", '{"job":"flaky"}'))
      .ids[0] as number;
    const doomed = (await db.json<{ ids: number[] }>("message", "enqueue", "qc_doomed", '{"job":"doomed"}'))
      .ids[0] as number;
    const failed = await vi.waitFor(
      async () => {
        const [f, d] = await Promise.all([pgqrs.admin(store).getMessage(flaky), pgqrs.admin(store).getMessage(doomed)]);
        if (f.lastError === null || d.deadLetteredAt === null) throw new Error("not failed yet");
        return f;
      },
      { timeout: 30_000, interval: 50 },
    );
    child.kill("SIGTERM");
    expect(await exited).toBe(0);

    // The flags' backoff (30 min after a first failure, no jitter) rather than the default (1 s); the queue's
    // attempts (maxReadCt) remain.
    const waitMs = failed.vt.getTime() - Date.parse(failed.lastError?.failedAt ?? "");
    expect(waitMs).toBeGreaterThan(1_800_000 - 5_000);
    expect(waitMs).toBeLessThanOrEqual(1_800_000 + 5_000);
    expect(failed.deadLetteredAt).toBeNull();
    expect(failed.lastError).toMatchObject({ name: "TypeError", message: "flaky failed", attempt: 1 });

    const list = await db.ok("message", "list", "qc_flaky");
    expect(list).toMatch(new RegExp(`^\\s*${flaky}\\s+delayed\\s+1\\s.*TypeError: flaky failed \\(attempt 1\\)`, "m"));
    const shown = await db.ok("message", "show", String(flaky));
    expect(shown).toMatch(/^last error\s+attempt 1, failed at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/m);
    expect(shown).toContain("error:\n  TypeError: flaky failed\nstack:\n  TypeError: flaky failed\n      at ");
    expect((await db.json<pgqrs.QueueMessage>("message", "show", String(flaky))).lastError).toMatchObject({
      name: "TypeError",
      message: "flaky failed",
      attempt: 1,
      stack: expect.stringContaining("failing-handlers.mjs"),
    });

    // The queue's own policy (1 attempt) dead-lettered the other message at its first failure, with its error.
    const dead = await db.ok("dlq", "list", "qc_doomed");
    expect(dead).toMatch(new RegExp(`^\\s*${doomed}\\s+dead\\s+1\\s.*Error: doomed: no way \\(attempt 1\\)`, "m"));
    const deadJson = await db.json<{ messages: pgqrs.QueueMessage[] }>("dlq", "list", "qc_doomed");
    expect(deadJson.messages.map((m) => [m.id, m.lastError?.message])).toEqual([[doomed, "doomed: no way"]]);
  });

  it("dlq list only reads: a message read to the limit is not dead-lettered by listing", async () => {
    await db.ok("queue", "create", "qc_limbo");
    const [id] = await pgqrs.enqueue().message({ job: 1 }).to("qc_limbo").execute(store);
    const consumer = await store.consumer("qc_limbo", "qc-limbo-consumer");
    for (let i = 0; i < 2; i++)
      expect((await consumer.dequeue({ batchSize: 1, vtSeconds: 0 })).map((m) => m.id)).toEqual([id]);
    const env = { ...db.env, PGQRS_MAX_READ_CT: "2" };
    const listed = await runCli(["dlq", "list", "qc_limbo", "--json"], { env });
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual({ messages: [] });
    expect((await runCli(["dlq", "list", "qc_limbo"], { env })).stdout).toBe("No dead letters on 'qc_limbo'.\n");
    const after = await pgqrs.admin(store).getMessage(id as number);
    expect([after.archivedAt, after.deadLetteredAt]).toEqual([null, null]);
    // Dead-lettered by the API (as a loop's maintenance does), it is listed.
    expect(await pgqrs.admin(store).dlq("qc_limbo")).toEqual([id]);
    const dead = await db.json<{ messages: { id: number }[] }>("dlq", "list", "qc_limbo");
    expect(dead.messages.map((m) => m.id)).toEqual([id]);
    await consumer.suspend();
    await consumer.shutdown();
  });
});
