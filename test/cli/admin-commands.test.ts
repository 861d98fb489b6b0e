import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import * as pgqrs from "../../src/index.js";
import { BACKENDS } from "../support/backends.js";
import { assertBuilt, CliDatabase } from "./cli-harness.js";

beforeAll(assertBuilt);
// Every step spawns a CLI process; on a loaded machine that is ~0.5 s each.
vi.setConfig({ testTimeout: 90_000 });

interface Metrics {
  name: string;
  pendingMessages: number;
  delayedMessages: number;
  leasedMessages: number;
  archivedMessages: number;
  deadLetteredMessages: number;
}

describe.each(BACKENDS)("admin commands on %s", (backend) => {
  const db = new CliDatabase(backend);
  let store: pgqrs.Store;

  beforeAll(async () => {
    expect(await db.ok("install")).toContain("Schema installed");
    store = await pgqrs.connect(db.dsn, { schema: db.schema, maxReadCt: 2 });
  });
  afterAll(async () => {
    await store?.close();
    await db.drop();
  });

  it("install is idempotent and verify passes", async () => {
    expect((await db.json<{ installed: boolean }>("install")).installed).toBe(true);
    expect(await db.ok("verify")).toContain("Schema OK");
    expect(await db.json("verify")).toEqual({ ok: true });
  });

  it("queue create | list | show | metrics", async () => {
    expect(await db.ok("queue", "create", "emails")).toMatch(/Created queue 'emails' \(id \d+\)/);
    const dup = await db.run("queue", "create", "emails", "--json");
    expect(dup.code).toBe(1);
    expect(JSON.parse(dup.stdout).error.code).toBe("QUEUE_ALREADY_EXISTS");
    const list = await db.ok("queue", "list");
    expect(list.split("\n")[0]).toMatch(/^QUEUE\s+PENDING\s+DELAYED\s+LEASED\s+ARCHIVED\s+DEAD/);
    expect(list).toMatch(/emails\s+0\s+0\s+0\s+0\s+0/);
    expect((await db.json<Metrics[]>("queue", "list")).map((q) => q.name)).toContain("emails");
    expect(await db.ok("queue", "show", "emails")).toContain("queue           emails");
    expect((await db.json<{ queueName: string }>("queue", "show", "emails")).queueName).toBe("emails");
    expect((await db.json<Metrics>("queue", "metrics", "emails")).pendingMessages).toBe(0);
    const missing = await db.run("queue", "show", "nope");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("Queue 'nope' not found");
  });

  it("message enqueue | list | show, with delays and batches", async () => {
    const one = await db.json<{ ids: number[] }>("message", "enqueue", "emails", '{"to":"ada@example.com"}');
    expect(one.ids).toHaveLength(1);
    expect(await db.ok("message", "enqueue", "emails", '[{"n":1},{"n":2}]', "--batch", "--delay", "3600")).toMatch(
      /Enqueued 2 message\(s\) on 'emails'/,
    );
    const bad = await db.run("message", "enqueue", "emails", "{not json");
    expect(bad.code).toBe(2);
    const m = await db.json<Metrics>("queue", "metrics", "emails");
    expect([m.pendingMessages, m.delayedMessages]).toEqual([1, 2]);
    const list = await db.ok("message", "list", "emails");
    expect(list).toMatch(/pending\s+0/);
    expect(list).toContain('{"to":"ada@example.com"}');
    expect((await db.json<unknown[]>("message", "list", "emails", "--limit", "2")).length).toBe(2);
    const shown = await db.ok("message", "show", String(one.ids[0]));
    expect(shown).toContain('"to": "ada@example.com"');
    expect((await db.json<{ state: string }>("message", "show", String(one.ids[0]))).state).toBe("pending");
  });

  it("message archive | delete | replay", async () => {
    const consumer = await store.consumer("emails", "test-consumer");
    const [m] = await consumer.dequeue({ batchSize: 1, vtSeconds: 60 });
    if (m === undefined) throw new Error("expected a message");
    expect((await db.json<Metrics>("queue", "metrics", "emails")).leasedMessages).toBe(1);
    expect(await db.ok("message", "archive", String(m.id))).toContain(`Archived message ${m.id}`);
    expect(await db.json("message", "archive", String(m.id))).toEqual({ id: m.id, archived: false });
    expect((await db.json<unknown[]>("message", "list", "emails", "--state", "archived")).length).toBe(1);
    const replay = await db.json<{ newId: number; replayed: string }>("message", "replay", String(m.id));
    expect(replay.replayed).toBe("copied");
    const refused = await db.run("message", "delete", String(replay.newId));
    expect(refused.code).toBe(2);
    expect(await db.json("message", "delete", String(replay.newId), "--yes")).toEqual({
      deleted: [replay.newId],
      missing: [],
    });
    await consumer.suspend();
    await consumer.shutdown();
  });

  it("dlq list | replay", async () => {
    await db.ok("queue", "create", "flaky");
    const [id] = await pgqrs.enqueue().message({ job: 1 }).to("flaky").execute(store);
    const consumer = await store.consumer("flaky", "flaky-consumer");
    for (let i = 0; i < 2; i++) {
      const got = await consumer.dequeue({ batchSize: 1, vtSeconds: 0 });
      expect(got.map((g) => g.id)).toEqual([id]);
    }
    // `dlq list` only reads (issue 17): the exhausted message is dead-lettered here as a loop's maintenance would.
    expect(await pgqrs.admin(store).dlq("flaky")).toEqual([id]);
    const listed = await db.json<{ messages: { id: number }[] }>("dlq", "list", "flaky");
    expect(listed.messages.map((x) => x.id)).toEqual([id]);
    expect(await db.ok("dlq", "list", "flaky")).toMatch(new RegExp(`${id}\\s+dead`));
    expect(await db.ok("dlq", "replay", "flaky", String(id))).toContain("Replayed 1 message(s)");
    expect((await db.json<Metrics>("queue", "metrics", "flaky")).pendingMessages).toBe(1);
    expect((await db.run("dlq", "replay", "flaky")).code).toBe(2);
    await consumer.suspend();
    await consumer.shutdown();
  });

  it("worker list | health | suspend | resume | shutdown | reclaim | purge", async () => {
    const c = await store.consumer("emails", "ops-consumer");
    const list = await db.ok("worker", "list", "--queue", "emails");
    expect(list.split("\n")[0]).toMatch(/^ID\s+NAME\s+QUEUE\s+STATUS\s+STARTED\s+HEARTBEAT/);
    expect(list).toMatch(new RegExp(`${c.id}\\s+ops-consumer\\s+emails\\s+ready`));
    const ready = await db.json<{ id: number }[]>("worker", "list", "--status", "ready");
    expect(ready.map((w) => w.id)).toContain(c.id);
    const health = await db.json<{ healthy: boolean; groups: { queueName: string; readyWorkers: number }[] }>(
      "worker",
      "health",
      "--by-queue",
    );
    expect(health.groups.find((g) => g.queueName === "emails")?.readyWorkers).toBeGreaterThanOrEqual(1);
    expect(await db.ok("worker", "suspend", String(c.id))).toContain("is now suspended");
    expect(await c.status()).toBe("suspended");
    const again = await db.run("worker", "suspend", String(c.id), "--json");
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stdout).error.code).toBe("INVALID_STATE_TRANSITION");
    expect((await db.json<{ status: string }>("worker", "resume", String(c.id))).status).toBe("ready");
    expect(await db.ok("worker", "shutdown", String(c.id))).toContain(`Worker ${c.id} stopped`);
    expect(await c.status()).toBe("stopped");
    expect((await db.run("worker", "suspend", "999999")).stderr).toContain("not found");

    // A consumer that holds a message and stops heartbeating is reclaimed. Its process lives a minute in the past
    // (its clock), so its last heartbeat is a minute old in the CLI's time without anyone waiting for it to age.
    const past = await pgqrs.connect(db.dsn, { schema: db.schema, clock: new pgqrs.ManualClock(Date.now() - 60_000) });
    const zombie = await past.consumer("emails", "zombie-consumer");
    await pgqrs.enqueue().message({ z: 1 }).to("emails").execute(past);
    const held = await zombie.dequeue({ batchSize: 1, vtSeconds: 600 });
    expect(held).toHaveLength(1);
    const reclaimed = await db.json<{ released: number }>("worker", "reclaim", "emails", "--older-than", "30");
    expect(reclaimed.released).toBeGreaterThanOrEqual(1);
    expect((await store.tables().messages().get(held[0]!.id))?.consumerWorkerId).toBeNull();
    expect((await store.tables().workers().get(zombie.id))?.status).toBe("stopped");
    await past.close();
    expect(await db.ok("worker", "purge", "--older-than", "0")).toMatch(/Purged \d+ stopped worker/);
  });

  it("workflow create | trigger | list | runs | run | steps | result | cancel", async () => {
    expect(await db.ok("workflow", "create", "greet")).toContain("Workflow 'greet'");
    const t = await db.json<{ messageId: number }>("workflow", "trigger", "greet", '{"name":"ada"}');
    const pending = await db.json<{ done: boolean; status: string }>("workflow", "result", String(t.messageId));
    expect(pending).toEqual({ messageId: t.messageId, done: false, status: "QUEUED" });

    const def = pgqrs.defineWorkflow({ name: "greet" }, async (run, input: { name: string }) =>
      pgqrs.workflowStep(run, "hello", async () => `hello ${input.name}`),
    );
    const worker = await pgqrs.consumer("greet-worker", "greet").handler(def, { pollIntervalMs: 20 }).create(store);
    const waited = await db.json<{ output: string }>("workflow", "result", String(t.messageId), "--wait");
    expect(waited.output).toBe("hello ada");
    const viaTrigger = await db.json<{ output: string }>("workflow", "trigger", "greet", '{"name":"alan"}', "--wait");
    expect(viaTrigger.output).toBe("hello alan");
    await worker.interrupt();
    await worker.consumer.shutdown();

    expect(await db.ok("workflow", "list")).toMatch(/greet\s+\d+\s+0\s+0\s+2\s+0\s+0/);
    const runs = await db.json<{ id: number; messageId: number; status: string }[]>("workflow", "runs", "greet");
    expect(runs.map((r) => r.status)).toEqual(["SUCCESS", "SUCCESS"]);
    const first = runs.find((r) => r.messageId === t.messageId) as { id: number };
    expect(await db.ok("workflow", "runs", "greet", "--status", "success")).toMatch(/^RUN\s+MESSAGE\s+STATUS/);
    const shown = await db.ok("workflow", "run", String(first.id));
    expect(shown).toContain("status     SUCCESS");
    expect(shown).toMatch(/hello\s+SUCCESS\s+0/);
    const byMsg = await db.json<{ id: number; steps: unknown[] }>("workflow", "run", String(t.messageId), "--message");
    expect(byMsg.id).toBe(first.id);
    const steps = await db.json<{ stepName: string; output: string }[]>("workflow", "steps", String(first.id));
    expect(steps).toMatchObject([{ stepName: "hello", output: "hello ada" }]);

    const c = await db.json<{ messageId: number }>("workflow", "trigger", "greet", '{"name":"grace"}');
    const cancelled = await db.json<{ status: string }>("workflow", "cancel", String(c.messageId));
    expect(cancelled.status).toMatch(/CANCELL/);
    const result = await db.run("workflow", "result", String(c.messageId), "--json");
    expect(result.code === 0 ? JSON.parse(result.stdout).status : JSON.parse(result.stdout).error.code).toMatch(
      /CANCEL/,
    );
  });

  it("stats", async () => {
    const s = await db.json<{ totalQueues: number; totalWorkflows: number }>("stats");
    expect(s.totalQueues).toBeGreaterThanOrEqual(3);
    expect(s.totalWorkflows).toBe(1);
    expect(await db.ok("stats")).toMatch(/^queues\s+\d+/);
  });

  it("queue purge | delete", async () => {
    expect((await db.run("queue", "purge", "emails")).code).toBe(2);
    expect(await db.ok("queue", "purge", "emails", "--yes")).toContain("Purged queue 'emails'");
    expect(await db.json("queue", "delete", "emails", "--yes")).toEqual({ deleted: "emails" });
    expect((await db.json<Metrics[]>("queue", "list")).map((q) => q.name)).not.toContain("emails");
  });
});
