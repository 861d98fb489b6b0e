/**
 * The CLI surfaces of queue settings (issue 17), on each backend: `queue create` with settings and `--if-not-exists`,
 * `queue update` (`none` clears), settings in `queue show`/`list` (human and `--json`), bad values refused with exit 2
 * naming the flag and writing nothing, and the help listing every settings flag. Messages, `worker run --retry-*` and
 * `dlq list`: queue-controls-cli-messages.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type * as pgqrs from "../../src/index.js";
import { BACKENDS } from "../support/backends.js";
import { assertBuilt, CliDatabase } from "./cli-harness.js";

beforeAll(assertBuilt);
// Every step spawns a CLI process; on a loaded machine that is ~0.5 s each.
vi.setConfig({ testTimeout: 120_000 });

interface Settings {
  retry: pgqrs.RetryOptions | null;
  concurrencyLimit: number | null;
  rateLimit: { max: number; perSeconds: number } | null;
}
type Shown = Settings & { id: number; retryPolicy: pgqrs.RetryPolicy; metrics: { leasedMessages: number } };

describe.each(BACKENDS)("queue controls in the CLI on %s", (backend) => {
  const db = new CliDatabase(backend);

  const settings = async (name: string): Promise<Settings> => {
    const q = await db.json<Shown>("queue", "show", name);
    return { retry: q.retry, concurrencyLimit: q.concurrencyLimit, rateLimit: q.rateLimit };
  };

  beforeAll(async () => {
    await db.ok("install");
  });
  afterAll(async () => {
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
