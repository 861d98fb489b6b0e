/**
 * docs/guides/production.md, executed on each backend. Its bare ```ts samples (many workers, drain once) run as written
 * and print what they announce. Its programs (```ts title="…") run as real processes: the worker gets SIGTERM while a
 * handler runs and must finish it (archived), lose nothing and exit 0; the Express and Fastify servers listen on an
 * ephemeral loopback port and answer real HTTP requests; the Next.js route handlers are called with real `Request`s. A
 * workflow worker stops with the run in flight finished. The upgrade commands run, and an older release is shown a
 * newer schema. Samples import "pgqrs", which resolves to the built dist/ (npm test builds first). The guide's blocks
 * and shared setups are in production-guide-support.ts.
 */
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import * as pgqrs from "../../src/index.js";
import { BACKENDS, type BackendName } from "../support/backends.js";
import {
  killProgram,
  type RunningProgram,
  runGuideCommand,
  startProgram,
  titled,
  writeProgram,
} from "./production-fixtures/guide-programs.js";
import { blocks, type Db, emailsQueue, ofLang, ROOT, samples } from "./production-guide-support.js";
import { createDatabase, expectedOutput, inOrder, runSample } from "./sample-support.js";

vi.setConfig({ testTimeout: 180_000, hookTimeout: 60_000 });

describe("the production guide", () => {
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
});

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
