/**
 * docs/guides/production.md, executed. Its bare ```ts samples (many workers, drain once) run as written on each
 * backend and print what they announce. Its programs (```ts title="…") run as real processes: the worker gets SIGTERM
 * while a handler runs and must finish it (archived), lose nothing and exit 0; the Express and Fastify servers listen
 * on an ephemeral loopback port and answer real HTTP requests; the Next.js route handlers are called with real
 * `Request`s. The Dockerfile's and the manifest's command lines (install, verify, worker health) run against a real
 * PostgreSQL database, the probe for a healthy and for a stale worker. The connection budget is measured in
 * `pg_stat_activity`, and an older release is shown a newer schema. Samples import "pgqrs", which resolves to the
 * built dist/ (npm test builds first).
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { parseAllDocuments } from "yaml";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import * as pgqrs from "../../src/index.js";
import { BACKENDS, type BackendName } from "../support/backends.js";
import {
  type GuideBlock,
  guideBlocks,
  killProgram,
  type RunningProgram,
  runGuideCommand,
  startProgram,
  titled,
  writeProgram,
} from "./production-fixtures/guide-programs.js";
import { hasPgbouncer, startPgbouncer } from "./production-fixtures/pgbouncer.js";
import { createDatabase, expectedOutput, inOrder, runSample } from "./sample-support.js";

vi.setConfig({ testTimeout: 180_000, hookTimeout: 60_000 });
const execFileAsync = promisify(execFile);

const ROOT = process.cwd();
const GUIDE = "docs/guides/production.md";
const markdown = readFileSync(join(ROOT, GUIDE), "utf8");
const blocks = guideBlocks(markdown);
const samples = blocks
  .filter((b) => /^(ts|typescript)$/.test(b.lang) && b.title === undefined)
  .map((b) => ({ name: `${GUIDE}:${b.line}`, code: b.code }));
const ofLang = (lang: string): GuideBlock[] => blocks.filter((b) => b.lang === lang);

type Db = { dsn: string; drop: () => Promise<void> };

/** The `export PGQRS_…=value` lines of the guide's shell blocks. */
function guideEnv(): Record<string, string> {
  return Object.fromEntries(
    ofLang("sh")
      .flatMap((b) => b.code.split("\n"))
      .map((l) => /^export (PGQRS_\w+)=('[^']*'|\S+)/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1] as string, (m[2] as string).replace(/^'(.*)'$/, "$1")]),
  );
}

/** `template` (a DSN of the guide) pointed at `target`'s server, database and user, keeping its parameters. */
function retarget(template: string, target: string): string {
  const from = new URL(template);
  const to = new URL(target);
  to.search = from.search;
  return to.toString();
}

/** Queue "emails" with one attempt per message (a handler failure dead-letters it), and what it holds. */
async function emailsQueue(dsn: string): Promise<void> {
  const store = await pgqrs.connect(dsn);
  try {
    await pgqrs.admin(store).install();
    await pgqrs.admin(store).createQueue("emails", { ifNotExists: true, retry: { maxAttempts: 1 } });
  } finally {
    await store.close();
  }
}

describe("the production guide", () => {
  it("covers each topic the issue names, with the real API and commands", () => {
    for (const text of [
      "competing consumers",
      "FOR UPDATE SKIP LOCKED",
      "At least once",
      "Idempotent handlers",
      "Worker names are unique",
      "worker.stop({ timeoutMs: 25_000 })",
      "process.once(signal, () => {",
      "terminationGracePeriodSeconds: 30",
      '"worker", "health", "--stale-after", "60"',
      "It answers for every worker of the schema, not for this pod",
      "max_connections",
      "PGQRS_LISTEN_DSN",
      "pg_advisory_xact_lock",
      "transaction mode",
      "SCHEMA_VALIDATION",
      "rolling deploy",
      "express.json()",
      "Fastify()",
      "export async function POST(request: Request): Promise<Response>",
      "handleBatch(",
      ".execute(store)",
    ]) {
      expect(markdown, text).toContain(text);
    }
    // The figures of the connection budget are the library's defaults.
    expect(new pgqrs.Config({ dsn: "postgresql://h/db" }).maxConnections).toBe(16);
    expect(markdown).toContain("(default 16, `PGQRS_MAX_CONNECTIONS`)");
    expect(markdown).toContain("6 × 17 = 102");
    expect(markdown).toContain("6 × 9 = 54");
    expect(samples.length).toBeGreaterThanOrEqual(2);
    for (const s of samples) expect(expectedOutput(s.code).length, s.name).toBeGreaterThan(0);
  });

  it("every TypeScript block typechecks in a strict project (Next.js's `@/` alias, bundler resolution)", async () => {
    const files: Record<string, string> = {
      "tsconfig.json": JSON.stringify({
        compilerOptions: {
          strict: true,
          noUncheckedIndexedAccess: true,
          exactOptionalPropertyTypes: true,
          module: "ESNext",
          moduleResolution: "Bundler",
          target: "ES2022",
          lib: ["ES2022", "DOM"],
          types: ["node"],
          noEmit: true,
          skipLibCheck: true,
          paths: { "@/*": ["./*"] },
        },
        include: ["**/*.ts"],
      }),
    };
    blocks
      .filter((b) => b.lang === "ts")
      .forEach((b, i) => {
        files[b.title ?? `sample-${i}.ts`] = `${b.code}\n`;
      });
    expect(Object.keys(files).length).toBeGreaterThanOrEqual(9);
    const dir = writeProgram(files);
    const tsc = join(ROOT, "node_modules", "typescript", "bin", "tsc");
    const r = await execFileAsync(process.execPath, [tsc, "-p", join(dir, "tsconfig.json")]).catch(
      (err: { stdout?: string; code?: number }) => ({ stdout: err.stdout ?? String(err), stderr: "" }),
    );
    expect(r.stdout).toBe("");
  });

  it("is linked from the README and from getting started", () => {
    expect(readFileSync(join(ROOT, "README.md"), "utf8")).toContain("docs/guides/production.md");
    expect(readFileSync(join(ROOT, "docs/getting-started.md"), "utf8")).toContain("guides/production.md");
  });

  it("its environment variables are configuration fields (PgBouncer for the pool, a direct address for LISTEN)", () => {
    const env = guideEnv();
    expect(Object.keys(env).sort()).toEqual(["PGQRS_DSN", "PGQRS_LISTEN_DSN", "PGQRS_MAX_CONNECTIONS"]);
    const config = pgqrs.Config.fromEnv(env);
    expect(config.dsn).toBe(env.PGQRS_DSN);
    expect(config.listenDsn).toBe(env.PGQRS_LISTEN_DSN);
    expect(config.maxConnections).toBe(8);
  });

  describe.each(BACKENDS)("on %s", (backend: BackendName) => {
    let db: Db;
    beforeAll(async () => {
      db = await createDatabase(backend);
    });
    afterAll(async () => {
      await db?.drop();
    });

    it.each(samples)("$name runs and prints what it says", async ({ code }) => {
      const r = await runSample(code, db.dsn);
      expect(r.output, r.output).not.toContain("Error");
      expect(r.code, r.output).toBe(0);
      const expected = expectedOutput(code);
      expect(inOrder(r.stdout.split("\n"), expected), `expected:\n${expected.join("\n")}\n---\n${r.stdout}`).toBe(true);
    });

    it("worker.ts: SIGTERM while a handler runs finishes it (archived), loses nothing, exits 0", async () => {
      await emailsQueue(db.dsn);
      const store = await pgqrs.connect(db.dsn);
      let program: RunningProgram | undefined;
      try {
        const payloads = Array.from({ length: 12 }, (_, i) => ({ to: `user-${i}@example.com` }));
        const ids = await pgqrs.enqueue().messages(payloads).to("emails").execute(store);
        const dir = writeProgram({ "worker.ts": titled(blocks, "worker.ts") });
        program = startProgram(join(dir, "worker.ts"), dir, { PGQRS_DSN: db.dsn });
        await program.waitFor(/^sending \d+$/);
        program.child.kill("SIGTERM");
        const code = await program.exited;
        expect(code, program.output()).toBe(0);
        const lines = program.lines();
        expect(lines, program.output()).toContain("SIGTERM: finishing the messages in flight");
        expect(lines.at(-1)).toBe("loop ended: aborted");

        // Every handler that started finished, and its message is archived; the rest are claimable at once.
        const started = lines.flatMap((l) => /^sending (\d+)$/.exec(l)?.[1] ?? []).map(Number);
        const sent = lines.flatMap((l) => /^sent (\d+)$/.exec(l)?.[1] ?? []).map(Number);
        expect(started.length).toBeGreaterThan(0);
        expect(sent.sort()).toEqual([...started].sort());
        const messages = store.tables().messages();
        const now = new Date();
        for (const id of ids) {
          const m = await messages.get(id);
          expect(m, `message ${id}`).not.toBeNull();
          if (started.includes(id)) expect(m?.archivedAt, `message ${id} was handled`).not.toBeNull();
          else {
            expect(m?.archivedAt, `message ${id} was not handled`).toBeNull();
            expect((m?.vt ?? now) <= now, `message ${id} is visible again`).toBe(true);
            expect(m?.readCt, `message ${id}: a delivery that never started is not counted`).toBe(0);
          }
        }
        const metrics = await pgqrs.admin(store).queueMetrics("emails");
        expect(metrics.leasedMessages).toBe(0);
        expect(metrics.deadLetteredMessages).toBe(0);
        expect(metrics.archivedMessages + metrics.pendingMessages).toBe(ids.length);
        const name = /^serving emails as (.+)$/.exec(lines.find((l) => l.startsWith("serving")) ?? "")?.[1];
        const workers = await pgqrs.admin(store).listWorkers({ queue: "emails" });
        expect(workers.find((w) => w.name === name)?.status).toBe("stopped");

        // Another worker takes what is left.
        const rest = await pgqrs.dequeue().from("emails").batch(100).fetchAll(store);
        expect(rest.length).toBe(ids.length - started.length);
      } finally {
        await killProgram(program);
        await store.close();
      }
    });

    it("a workflow worker stops with worker.consumer.stop(): the run in flight finishes, done resolves aborted", async () => {
      const store = await pgqrs.connect(db.dsn);
      try {
        await pgqrs.admin(store).install();
        let started!: () => void;
        const stepStarted = new Promise<void>((r) => {
          started = r;
        });
        let release!: () => void;
        const released = new Promise<void>((r) => {
          release = r;
        });
        const slow = pgqrs.defineWorkflow({ name: "guide_slow" }, async (run, input: { n: number }) =>
          pgqrs.workflowStep(run, "work", async () => {
            started();
            await released;
            return input.n * 2;
          }),
        );
        await pgqrs.workflow().name(slow).create(store);
        const trigger = await pgqrs.workflow().name(slow).trigger({ n: 21 }).execute(store);
        const worker = await pgqrs.consumer("guide-wf-worker", "guide_slow").handler(slow).create(store);
        await stepStarted;
        const stopping = worker.consumer.stop({ timeoutMs: 60_000 });
        release();
        await stopping;
        expect(await worker.done).toBe("aborted");
        expect(await worker.consumer.status()).toBe("stopped");
        expect(await trigger.result({ timeoutMs: 10_000 })).toBe(42);
      } finally {
        await store.close();
      }
    });

    it.each([
      ["server-express.ts", "express"],
      ["server-fastify.ts", "fastify"],
    ])(
      "%s answers real HTTP requests: enqueue, then the status as a worker moves it; SIGTERM exits 0",
      async (file) => {
        await emailsQueue(db.dsn);
        const dir = writeProgram({ [file]: titled(blocks, file) });
        const program = startProgram(join(dir, file), dir, { PGQRS_DSN: db.dsn, PORT: "0", HOST: "127.0.0.1" });
        const store = await pgqrs.connect(db.dsn);
        try {
          const [, base] = await program.waitFor(/^listening on (http:\/\/127\.0\.0\.1:\d+)$/);
          const call = async (path: string, body?: string) => {
            const init: RequestInit =
              body === undefined ? {} : { method: "POST", headers: { "content-type": "application/json" }, body };
            const res = await fetch(`${base}${path}`, init);
            return { status: res.status, body: (await res.json()) as Record<string, unknown> };
          };

          const ok = await call("/emails", JSON.stringify({ to: "ada@example.com" }));
          expect(ok.status).toBe(202);
          const id = ok.body.id as number;
          expect(ok.body.status).toBe(`/emails/${id}`);
          expect((await store.tables().messages().get(id))?.payload).toEqual({ to: "ada@example.com" });
          expect(await call(`/emails/${id}`)).toEqual({ status: 200, body: { id, status: "queued" } });

          const consumer = await store.consumer("emails");
          const [claimed] = await consumer.dequeue({ batchSize: 1, vtSeconds: 60 });
          expect(claimed?.id).toBe(id);
          expect((await call(`/emails/${id}`)).body.status).toBe("processing");
          await consumer.archive(id);
          expect((await call(`/emails/${id}`)).body.status).toBe("done");

          // One attempt per message on this queue: a failing handler dead-letters it.
          const doomed = (await call("/emails", JSON.stringify({ to: "nobody@example.com" }))).body.id as number;
          const failing = pgqrs
            .dequeue()
            .from("emails")
            .handle(() => {
              throw new Error("mailbox unavailable");
            });
          await expect(failing.execute(store)).rejects.toThrow("mailbox unavailable");
          expect((await call(`/emails/${doomed}`)).body.status).toBe("failed");

          expect((await call("/emails", JSON.stringify({ to: 42 }))).status).toBe(400);
          expect((await call("/emails/999999999")).status).toBe(404);
          expect((await call("/emails/not-a-number")).status).toBe(404);
          await consumer.suspend();
          await consumer.shutdown();

          program.child.kill("SIGTERM");
          expect(await program.exited, program.output()).toBe(0);
        } finally {
          await killProgram(program);
          await store.close();
        }
      },
    );

    it("the Next.js route handlers answer real Requests: enqueue, then the status", async () => {
      await emailsQueue(db.dsn);
      const route = (code: string, up: string) => code.replace('from "@/lib/pgqrs"', `from "${up}lib/pgqrs"`);
      const dir = writeProgram({
        "lib/pgqrs.ts": titled(blocks, "lib/pgqrs.ts"),
        "app/api/emails/route.ts": route(titled(blocks, "app/api/emails/route.ts"), "../../../"),
        "app/api/emails/[id]/route.ts": route(titled(blocks, "app/api/emails/[id]/route.ts"), "../../../../"),
      });
      const driver = join(ROOT, "test/docs/production-fixtures/next-route-driver.ts");
      const program = startProgram(driver, dir, { PGQRS_DSN: db.dsn }, [dir]);
      try {
        expect(await program.exited, program.output()).toBe(0);
        const steps = program.lines().map((l) => JSON.parse(l) as { step: string; status: number; body: unknown });
        const id = (steps[0]?.body as { id: number } | undefined)?.id;
        expect(steps).toEqual([
          { step: "post", status: 202, body: { id, status: `/api/emails/${id}` } },
          { step: "queued", status: 200, body: { id, status: "queued" } },
          { step: "processing", status: 200, body: { id, status: "processing" } },
          { step: "done", status: 200, body: { id, status: "done" } },
          { step: "bad", status: 400, body: { error: "body.to must be a string" } },
          { step: "missing", status: 404, body: { error: "no such message" } },
          { step: "not a number", status: 404, body: { error: "no such message" } },
        ]);
      } finally {
        await killProgram(program);
      }
    });

    it("upgrades: the commands run; an older release works against a newer schema, and its install() refuses", async () => {
      const env = { PGQRS_DSN: db.dsn };
      for (const line of ofLang("sh").flatMap((b) => b.code.split("\n"))) {
        const m = /^npx (pgqrs [^#]*?)\s*(#.*)?$/.exec(line);
        if (m === null) continue;
        const r = await runGuideCommand((m[1] as string).split(/\s+/), env);
        expect(r.code, `${m[1]}: ${r.stdout}${r.stderr}`).toBe(0);
        if (m[1] === "pgqrs stats") expect(r.stdout).toMatch(/schema version\s+\d+/);
      }

      // A newer release recorded a migration this one does not know.
      await recordFutureMigration(backend, db.dsn);
      const store = await pgqrs.connect(db.dsn);
      try {
        const admin = pgqrs.admin(store);
        const refused = await admin.install().catch((err: unknown) => err);
        expect(pgqrs.isPgqrsError(refused, "SCHEMA_VALIDATION"), String(refused)).toBe(true);
        expect(String((refused as Error).message)).toMatch(/upgrade pgqrs/i);
        const cli = await runGuideCommand(["npx", "pgqrs", "install"], env);
        expect(cli.code).toBe(1);

        await admin.createQueue("upgrade_check", { ifNotExists: true });
        const [id] = await pgqrs.enqueue().message({ n: 1 }).to("upgrade_check").execute(store);
        const handled: number[] = [];
        const n = await pgqrs
          .dequeue()
          .from("upgrade_check")
          .handle((m) => {
            handled.push(m.id);
          })
          .execute(store);
        expect(n).toBe(1);
        expect(handled).toEqual([id]);
        expect((await admin.queueMetrics("upgrade_check")).archivedMessages).toBe(1);
      } finally {
        await store.close();
      }
    });
  });

  describe("on postgres: Docker and Kubernetes", () => {
    let db: Db;
    const docs = parseAllDocuments(ofLang("yaml")[0]?.code ?? "").map((d) => d.toJS() as Record<string, unknown>);
    const job = docs.find((d) => d.kind === "Job") as unknown as K8sJob;
    const deployment = docs.find((d) => d.kind === "Deployment") as unknown as K8sDeployment;
    const container = deployment?.spec.template.spec.containers[0];
    const dockerfile = ofLang("dockerfile")[0]?.code ?? "";
    const env = () => ({ PGQRS_DSN: db.dsn });

    beforeAll(async () => {
      db = await createDatabase("postgres");
    });
    afterAll(async () => {
      await db?.drop();
    });

    it("the manifest parses: an install Job, a Deployment running the worker with a grace period above stop's timeout", () => {
      expect(docs.map((d) => d.kind)).toEqual(["Job", "Deployment"]);
      expect(container?.command).toEqual(["node", "dist/worker.js"]);
      const timeoutMs = Number(
        /worker\.stop\(\{ timeoutMs: ([\d_]+) \}\)/.exec(titled(blocks, "worker.ts"))?.[1]?.replaceAll("_", ""),
      );
      expect(deployment.spec.template.spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(timeoutMs);
      // The Dockerfile runs the same command (exec form, so SIGTERM reaches node) and probes as the liveness probe.
      const instruction = (name: string) => dockerfile.split("\n").find((l) => l.startsWith(`${name} `)) ?? "";
      expect(JSON.parse(instruction("CMD").slice(4))).toEqual(container?.command);
      const healthcheck = JSON.parse(instruction("HEALTHCHECK").replace(/^.* CMD /, "")) as string[];
      expect(healthcheck).toEqual(container?.livenessProbe.exec.command);
      expect(dockerfile).toContain("npm ci --omit=dev");
    });

    it("the Job's install and the readiness probe run: verify fails before install, succeeds after", async () => {
      const ready = container?.readinessProbe.exec.command ?? [];
      expect((await runGuideCommand(ready, env())).code).toBe(1);
      const install = job.spec.template.spec.containers[0]?.command ?? [];
      const installed = await runGuideCommand(install, env());
      expect(installed.code, installed.stderr).toBe(0);
      expect((await runGuideCommand(install, env())).code).toBe(0); // a rerun of the Job changes nothing
      expect((await runGuideCommand(ready, env())).code).toBe(0);
    });

    it("the liveness probe's exact command: 0 with a live worker, 1 with a stale one, 0 once it is reclaimed", async () => {
      const probe = container?.livenessProbe.exec.command ?? [];
      expect(probe.slice(1)).toEqual(["worker", "health", "--stale-after", "60"]);
      await emailsQueue(db.dsn);
      const store = await pgqrs.connect(db.dsn);
      // A process frozen 2 minutes ago: its worker's heartbeat stays where its clock stopped.
      const frozen = await pgqrs.connect(db.dsn, { clock: new pgqrs.ManualClock(Date.now() - 120_000) });
      try {
        const live = await pgqrs.consumer("live-worker", "emails").create(store);
        const healthy = await runGuideCommand(probe, env());
        expect(healthy.code, `${healthy.stdout}${healthy.stderr}`).toBe(0);

        await pgqrs.consumer("frozen-worker", "emails").create(frozen);
        const stale = await runGuideCommand(probe, env());
        expect(stale.code, stale.stdout).toBe(1);
        expect(stale.stdout).toContain("1 stale worker(s)");

        // A restart that takes the dead worker's name is refused until the dead worker is reclaimed.
        const restart = () => pgqrs.consumer("frozen-worker", "emails").create(store);
        const refused = await restart().catch((err: unknown) => err);
        expect(pgqrs.isPgqrsError(refused, "VALIDATION_FAILED"), String(refused)).toBe(true);

        // What a live loop of the queue does within about 45 s, or an operator at once.
        const reclaim = await runGuideCommand(["pgqrs", "worker", "reclaim", "emails", "--older-than", "60"], env());
        expect(reclaim.code, reclaim.stderr).toBe(0);
        expect((await runGuideCommand(probe, env())).code).toBe(0);
        await (await restart()).stop();

        // A dead named admin worker has no queue: no loop reclaims it; an operator shuts it down.
        const admin = await frozen.admin("frozen-admin");
        expect((await runGuideCommand(probe, env())).code).toBe(1);
        const shutdown = await runGuideCommand(["pgqrs", "worker", "shutdown", String(await admin.workerId())], env());
        expect(shutdown.code, shutdown.stderr).toBe(0);
        expect((await runGuideCommand(probe, env())).code).toBe(0);
        await live.stop();
      } finally {
        await frozen.close();
        await store.close();
      }
    });

    it("a store opens at most maxConnections pooled connections and one LISTEN connection, whatever the concurrency", async () => {
      const dbName = new URL(db.dsn).pathname.slice(1);
      await emailsQueue(db.dsn);
      const store = await pgqrs.connect(db.dsn, { maxConnections: 4 });
      const monitor = new pg.Client({ connectionString: db.dsn });
      await monitor.connect();
      const seen = { max: 0, listen: false };
      const sample = async () => {
        const r = await monitor.query<{ query: string }>(
          "SELECT query FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
          [dbName],
        );
        seen.max = Math.max(seen.max, r.rows.length);
        seen.listen ||= r.rows.some((row) => row.query.startsWith("LISTEN"));
      };
      try {
        const ids = await pgqrs
          .enqueue()
          .messages(Array.from({ length: 300 }, (_, i) => ({ to: `u${i}@example.com` })))
          .to("emails")
          .execute(store);
        const stop = new AbortController();
        let handled = 0;
        const loop = pgqrs
          .dequeue()
          .from("emails")
          .concurrency(16)
          .signal(stop.signal)
          .handle(async () => {
            await new Promise((r) => setTimeout(r, 5));
            handled++;
          })
          .poll(store);
        while (handled < ids.length) await sample();
        // Idle: the loop waits on LISTEN.
        for (let i = 0; i < 20; i++) await sample();
        stop.abort();
        await loop;
        expect(seen.max).toBeGreaterThan(1);
        expect(seen.max).toBeLessThanOrEqual(4 + 1);
        expect(seen.listen).toBe(true);
      } finally {
        await monitor.end();
        await store.close();
      }
    });
  });
});

describe.skipIf(!hasPgbouncer())("the production guide on postgres through PgBouncer (transaction mode)", () => {
  let db: Db;
  let bouncer: { dsn: string; stop: () => Promise<void> } | undefined;

  beforeAll(async () => {
    db = await createDatabase("postgres");
    bouncer = await startPgbouncer(db.dsn);
  });
  afterAll(async () => {
    await bouncer?.stop();
    await db?.drop();
  });

  it("the guide's settings: install and verify through PgBouncer; an idle loop is woken by LISTEN on the direct address", async () => {
    const guide = guideEnv();
    const env = {
      PGQRS_DSN: retarget(guide.PGQRS_DSN ?? "", bouncer?.dsn ?? ""),
      PGQRS_LISTEN_DSN: retarget(guide.PGQRS_LISTEN_DSN ?? "", db.dsn),
      PGQRS_MAX_CONNECTIONS: guide.PGQRS_MAX_CONNECTIONS ?? "",
    };
    expect(env.PGQRS_DSN).toContain("prepare=false");
    for (const args of [["install"], ["verify"]]) {
      const r = await runGuideCommand(["pgqrs", ...args], env);
      expect(r.code, `${args}: ${r.stdout}${r.stderr}`).toBe(0);
    }
    const worker = await pgqrs.connectWithConfig(pgqrs.Config.fromEnv(env));
    const producer = await pgqrs.connect(db.dsn);
    const monitor = new pg.Client({ connectionString: db.dsn });
    await monitor.connect();
    const stop = new AbortController();
    try {
      await pgqrs.admin(worker).createQueue("emails", { ifNotExists: true });
      const handled = new Set<number>();
      // Polls once a minute: only a notification can make it claim within the test's deadline.
      const loop = pgqrs
        .dequeue()
        .from("emails")
        .concurrency(4)
        .pollInterval(60_000)
        .signal(stop.signal)
        .handle((m) => {
          handled.add(m.id);
        })
        .poll(worker);
      const listening = async () =>
        (
          await monitor.query(
            "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'",
          )
        ).rows.length > 0;
      const deadline = Date.now() + 30_000;
      while (!(await listening())) {
        if (Date.now() > deadline) throw new Error("the loop never listened");
        await new Promise((r) => setTimeout(r, 50));
      }
      const enqueuedAt = Date.now();
      const ids = await pgqrs
        .enqueue()
        .messages(Array.from({ length: 20 }, (_, i) => ({ to: `u${i}@example.com` })))
        .to("emails")
        .execute(producer);
      while (handled.size < ids.length && Date.now() - enqueuedAt < 20_000) await new Promise((r) => setTimeout(r, 20));
      expect([...handled].sort((a, b) => a - b)).toEqual(ids);
      expect(Date.now() - enqueuedAt).toBeLessThan(20_000);
      stop.abort();
      expect(await loop).toBe("aborted");
    } finally {
      stop.abort();
      await monitor.end();
      await producer.close();
      await worker.close();
    }
  });
});

interface K8sContainer {
  command: string[];
  readinessProbe: { exec: { command: string[] } };
  livenessProbe: { exec: { command: string[] } };
}
interface K8sJob {
  spec: { template: { spec: { containers: K8sContainer[] } } };
}
interface K8sDeployment {
  spec: { template: { spec: { terminationGracePeriodSeconds: number; containers: K8sContainer[] } } };
}

/** Record migration 9999 as applied, as a newer pgqrs release would have. */
async function recordFutureMigration(backend: BackendName, dsn: string): Promise<void> {
  if (backend === "sqlite") {
    const { default: Database } = await import("better-sqlite3");
    const file = new Database(dsn.slice("sqlite://".length));
    try {
      const cols = file.prepare("SELECT name FROM pragma_table_info('pgqrs_migrations')").all() as { name: string }[];
      const withTime = cols.some((c) => c.name === "applied_at");
      file
        .prepare(
          withTime
            ? "INSERT INTO pgqrs_migrations (version, name, applied_at) VALUES (9999, 'from_the_future', '2030-01-01 00:00:00')"
            : "INSERT INTO pgqrs_migrations (version, name) VALUES (9999, 'from_the_future')",
        )
        .run();
    } finally {
      file.close();
    }
    return;
  }
  const client = new pg.Client({ connectionString: dsn });
  await client.connect();
  try {
    await client.query("INSERT INTO public.pgqrs_migrations (version, name) VALUES (9999, 'from_the_future')");
  } finally {
    await client.end();
  }
}
