/**
 * The CLI surfaces of queue controls (issue 17), on each backend: `queue create` with settings and
 * `--if-not-exists`, `queue update` (`none` clears), settings in `queue show`/`list` (human and `--json`), bad values
 * refused with exit 2 naming the flag and writing nothing, `message enqueue --priority/--dedup-key/--group-key`,
 * `message list`/`show` with keys and the last error, `worker run --retry-*` passing the loop's retry policy, and
 * `dlq list` reading without dead-lettering anything.
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

interface Settings {
  retry: pgqrs.RetryOptions | null;
  concurrencyLimit: number | null;
  rateLimit: { max: number; perSeconds: number } | null;
}
type Shown = Settings & { id: number; retryPolicy: pgqrs.RetryPolicy; metrics: { leasedMessages: number } };

describe.each(BACKENDS)("queue controls in the CLI on %s", (backend) => {
  const db = new CliDatabase(backend);
  let store: pgqrs.Store;

  const settings = async (name: string): Promise<Settings> => {
    const q = await db.json<Shown>("queue", "show", name);
    return { retry: q.retry, concurrencyLimit: q.concurrencyLimit, rateLimit: q.rateLimit };
  };
  const workerCount = async (): Promise<number> => (await store.tables().workers().list({ limit: 1000 })).length;

  beforeAll(async () => {
    await db.ok("install");
    store = await pgqrs.connect(db.dsn, { schema: db.schema, maxReadCt: 2 });
  });
  afterAll(async () => {
    await store?.close();
    await db.drop();
  });

  it("queue create takes the settings; show and list print them, human and --json", async () => {
    expect(
      await db.ok(
        "queue",
        "create",
        "qc_jobs",
        "--concurrency-limit",
        "3",
        "--rate-limit",
        "10/2",
        "--retry-base-ms",
        "500",
        "--retry-factor",
        "3",
        "--max-attempts",
        "8",
      ),
    ).toMatch(/^Created queue 'qc_jobs' \(id \d+\)\./);
    const shown = await db.json<Shown>("queue", "show", "qc_jobs");
    expect(shown).toMatchObject({
      concurrencyLimit: 3,
      rateLimit: { max: 10, perSeconds: 2 },
      retry: { baseMs: 500, factor: 3, maxAttempts: 8 },
      retryPolicy: { maxAttempts: 8, baseMs: 500, factor: 3, maxMs: 300_000, jitter: 0.2 },
    });
    const human = await db.ok("queue", "show", "qc_jobs");
    expect(human).toMatch(/^concurrency limit\s+3 \(0 leased now\)$/m);
    expect(human).toMatch(/^rate limit\s+10 per 2 s$/m);
    expect(human).toMatch(/^retry attempts\s+8$/m);
    expect(human).toMatch(/^retry base\s+500 ms$/m);
    expect(human).toMatch(/^retry factor\s+× 3$/m);
    expect(human).toMatch(/^retry max\s+300000 ms \(default\)$/m);
    expect(human).toMatch(/^retry jitter\s+0\.2 \(default\)$/m);

    const list = await db.ok("queue", "list");
    expect(list.split("\n")[0]).toMatch(/OLDEST PENDING\s+SETTINGS$/);
    expect(list).toMatch(/^qc_jobs\s.*limit 3, rate 10\/2s, retry 8 attempts base 500ms ×3$/m);
    const listed = await db.json<(Settings & { name: string })[]>("queue", "list");
    expect(listed.find((q) => q.name === "qc_jobs")).toMatchObject({ concurrencyLimit: 3, rateLimit: { max: 10 } });

    await db.ok("queue", "create", "qc_bare");
    expect(await db.ok("queue", "show", "qc_bare")).toMatch(/^retry attempts\s+5 \(default: maxReadCt\)$/m);
    expect(await db.ok("queue", "list")).toMatch(/^qc_bare\s.*\s-$/m);
  });

  it("queue create --if-not-exists: an existing queue is no error and keeps its settings", async () => {
    const dup = await db.run("queue", "create", "qc_jobs", "--json");
    expect(dup.code).toBe(1);
    expect(JSON.parse(dup.stdout).error.code).toBe("QUEUE_ALREADY_EXISTS");
    const again = await db.run("queue", "create", "qc_jobs", "--if-not-exists", "--concurrency-limit", "9");
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^Queue 'qc_jobs' exists \(id \d+\); nothing created\./);
    expect(again.stderr).toContain("its settings are unchanged; set them with `pgqrs queue update`");
    expect((await settings("qc_jobs")).concurrencyLimit).toBe(3);
    expect(await db.json("queue", "create", "qc_jobs", "--if-not-exists")).toMatchObject({ created: false });
    expect(await db.json("queue", "create", "qc_fresh", "--if-not-exists")).toMatchObject({
      queueName: "qc_fresh",
      created: true,
    });
  });

  it("queue update changes the settings given, retry field by field; none clears", async () => {
    const out = await db.ok("queue", "update", "qc_jobs", "--retry-factor", "2", "--concurrency-limit", "none");
    expect(out).toContain("Updated queue 'qc_jobs'.");
    expect(out).toMatch(/^concurrency limit\s+none$/m);
    expect(await settings("qc_jobs")).toEqual({
      concurrencyLimit: null,
      rateLimit: { max: 10, perSeconds: 2 },
      retry: { baseMs: 500, factor: 2, maxAttempts: 8 },
    });
    await db.ok("queue", "update", "qc_jobs", "--max-attempts", "none", "--retry-jitter", "0");
    expect((await settings("qc_jobs")).retry).toEqual({ baseMs: 500, factor: 2, jitter: 0 });
    await db.ok(
      "queue",
      "update",
      "qc_jobs",
      "--retry-base-ms",
      "none",
      "--retry-factor",
      "none",
      "--retry-jitter",
      "none",
    );
    await db.ok("queue", "update", "qc_jobs", "--rate-limit", "none", "--concurrency-limit", "2");
    expect(await settings("qc_jobs")).toEqual({ concurrencyLimit: 2, rateLimit: null, retry: null });
    // A base over the (default) longest wait is allowed, with a notice: every retry would wait the longest.
    const capped = await db.run("queue", "update", "qc_fresh", "--retry-base-ms", "600000");
    expect(capped.code).toBe(0);
    expect(capped.stderr).toContain(
      "note: the retry base (600000 ms) is over the longest wait (300000 ms, the default), so every retry waits the longest; raise it with --retry-max-ms",
    );
    expect((await settings("qc_fresh")).retry).toEqual({ baseMs: 600_000 });
    const missing = await db.run("queue", "update", "qc_nope", "--concurrency-limit", "2", "--json");
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout).error.code).toBe("QUEUE_NOT_FOUND");
  });

  it("refuses bad setting values with exit 2, naming the flag and the next step, writing nothing", async () => {
    await db.ok("queue", "update", "qc_jobs", "--retry-base-ms", "500");
    const before = await settings("qc_jobs");
    const cases: [string[], string][] = [
      [
        ["queue", "create", "qc_bad", "--concurrency-limit", "0"],
        "--concurrency-limit: concurrencyLimit must be an integer from 1 to 10000, got 0",
      ],
      [
        ["queue", "create", "qc_bad", "--rate-limit", "10"],
        "--rate-limit takes MAX/SECONDS (e.g. 10/1: 10 claims per second) or none, got '10'",
      ],
      [
        ["queue", "create", "qc_bad", "--rate-limit", "0/1"],
        "--rate-limit: rateLimit.max must be an integer from 1 to 10000, got 0",
      ],
      [
        ["queue", "create", "qc_bad", "--retry-jitter", "2"],
        "--retry-jitter: retry.jitter must be a number from 0 to 1, got 2",
      ],
      [["queue", "create", "qc_bad", "--retry-factor", "fast"], "--retry-factor takes a number or none, got 'fast'"],
      [["queue", "create", "qc_bad", "--max-attempts", "2.5"], "--max-attempts: retry.maxAttempts must be an integer"],
      [
        ["queue", "update", "qc_jobs", "--retry-max-ms", "100"],
        "--retry-max-ms: retry.maxMs must be at least retry.baseMs (500), got 100",
      ],
      [["queue", "update", "qc_jobs", "--concurrency-limit", "10001"], "--concurrency-limit: concurrencyLimit must be"],
      [["queue", "update", "qc_jobs"], "nothing to update: give a setting (--concurrency-limit, --rate-limit"],
    ];
    for (const [args, message] of cases) {
      const r = await db.run(...args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toContain(message);
      expect(r.stderr).toContain(`Run 'pgqrs ${args.slice(0, 2).join(" ")} --help' for usage.`);
    }
    const [args, message] = cases[0] as [string[], string];
    const json = await db.run(...args, "--json");
    expect(JSON.parse(json.stdout).error).toMatchObject({ code: "USAGE", message: expect.stringContaining(message) });
    expect(await settings("qc_jobs")).toEqual(before);
    const gone = await db.run("queue", "show", "qc_bad");
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain("Queue 'qc_bad' not found");
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

  it("help lists queue update and every settings flag", async () => {
    expect(await db.ok("queue", "--help")).toMatch(/queue update\s+Change a queue's settings/);
    const help = await db.ok("queue", "update", "--help");
    for (const flag of [
      "--concurrency-limit N",
      "--rate-limit MAX/SECONDS",
      "--retry-base-ms MS",
      "--retry-factor X",
      "--retry-max-ms MS",
      "--retry-jitter F",
      "--max-attempts N",
    ]) {
      expect(help).toContain(flag);
    }
    expect(await db.ok("queue", "create", "--help")).toContain("--if-not-exists");
    expect(await db.ok("worker", "run", "--help")).toContain("--retry-base-ms MS");
    expect(await db.ok("message", "enqueue", "--help")).toContain("--dedup-key KEY");
  });
});
