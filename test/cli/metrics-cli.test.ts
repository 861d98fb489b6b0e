/**
 * `pgqrs metrics` (the built CLI, `npm run build` first), on both backends: it prints where it listens, serves the
 * database's metrics (work done by another process, the CLI itself, shows up), requires the token beyond loopback
 * and then on every scrape, and stops cleanly (exit 0) on SIGTERM and SIGINT. `--port` is required.
 */
import type { ChildProcess } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { BACKENDS } from "../support/backends.js";
import { conventionProblems, parsePrometheus, valueIn } from "../support/prometheus-text.js";
import { assertBuilt, CliDatabase, runCli } from "./cli-harness.js";

/** The URL from the first stdout line (`--json`: `{"url": …}`). */
function listening(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /"url":"([^"]+)"/.exec(out) ?? /serving (http:\/\/\S+)/.exec(out);
      if (m?.[1] !== undefined) resolve(m[1]);
    });
    child.stderr?.on("data", (d: Buffer) => {
      err += d.toString();
    });
    child.once("exit", (code) => reject(new Error(`exited ${code}: ${out}${err}`)));
  });
}

const exitOf = (child: ChildProcess) => new Promise<number | null>((resolve) => child.once("exit", resolve));

describe.each(BACKENDS)("pgqrs metrics on %s", (backend) => {
  const db = new CliDatabase(backend);
  afterAll(() => db.drop());

  it("serves what other processes did, says where it listens, and stops on SIGTERM", async () => {
    assertBuilt();
    await db.ok("install");
    await db.ok("queue", "create", "cli_jobs");
    await db.ok("message", "enqueue", "cli_jobs", '{"n":1}');
    await db.ok("message", "enqueue", "cli_jobs", '{"n":2}');
    const child = db.spawn("metrics", "--port", "0");
    const exited = exitOf(child);
    const url = await listening(child);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(conventionProblems(text)).toEqual([]);
    const families = parsePrometheus(text);
    expect(valueIn(families, "pgqrs_queue_messages", { queue: "cli_jobs", state: "pending" })).toBe(2);
    expect(valueIn(families, "pgqrs_messages_completed_total", { queue: "cli_jobs" })).toBe(0);
    expect((await fetch(url.replace("/metrics", "/"))).status).toBe(404);
    expect((await fetch(url, { method: "POST" })).status).toBe(405);
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });

  it("beyond loopback needs PGQRS_METRICS_TOKEN, then every scrape carries it; SIGINT stops it", async () => {
    assertBuilt();
    const refused = await db.run("metrics", "--host", "0.0.0.0", "--port", "0");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("PGQRS_METRICS_TOKEN");
    expect(refused.stdout).not.toContain("http://");

    const token = "scrape-token-for-the-test";
    process.env.PGQRS_METRICS_TOKEN = token;
    let child: ChildProcess;
    try {
      child = db.spawn("metrics", "--host", "0.0.0.0", "--port", "0", "--json");
    } finally {
      delete process.env.PGQRS_METRICS_TOKEN;
    }
    const exited = exitOf(child);
    const url = new URL(await listening(child));
    const local = `http://127.0.0.1:${url.port}/metrics`;
    const anonymous = await fetch(local);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toMatch(/^Bearer /);
    const scraped = await fetch(local, { headers: { authorization: `Bearer ${token}` } });
    expect(scraped.status).toBe(200);
    expect(valueIn(parsePrometheus(await scraped.text()), "pgqrs_queue_dead_letters", { queue: "cli_jobs" })).toBe(0);
    child.kill("SIGINT");
    expect(await exited).toBe(0);
  });

  it("--port is required, with the call to make", async () => {
    assertBuilt();
    const r = await runCli(["metrics"], { env: db.env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("pgqrs metrics --port 9187");
  });
});
