/**
 * A tidy worker registry (issue 19 item 9) through the CLI: `pgqrs worker list` shows live workers and says how
 * many stopped and ephemeral ones it hid; `--all` shows them; `pgqrs worker purge` deletes stopped ephemeral
 * workers even though their messages reference them.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import * as pgqrs from "../../src/index.js";
import { BACKENDS } from "../support/backends.js";
import { assertBuilt, CliDatabase } from "./cli-harness.js";

beforeAll(assertBuilt);
vi.setConfig({ testTimeout: 120_000 });

interface Row {
  id: number;
  name: string;
  status: string;
}

describe.each(BACKENDS)("worker list and purge on %s", (backend) => {
  const db = new CliDatabase(backend);
  let store: pgqrs.Store;
  let ephemeralName = "";

  beforeAll(async () => {
    store = await pgqrs.connect(db.dsn, { schema: db.schema });
    await pgqrs.admin(store).install();
    await store.queue("emails");
    await pgqrs.consumer("live-1", "emails").create(store);
    const stopped = await pgqrs.consumer("gone-1", "emails").create(store);
    await stopped.suspend();
    await stopped.shutdown();
    // The store's ephemeral producer and consumer of the queue (one each, however many calls).
    for (let i = 0; i < 3; i++) await pgqrs.enqueue().message({ n: i }).to("emails").execute(store);
    const m = await pgqrs.dequeue().from("emails").fetchOne(store);
    if (m === null || m === undefined) throw new Error("expected a message");
    await pgqrs.dequeue().from("emails").fetchOne(store);
    const ephemeral = (await store.tables().workers().list()).filter((w) => pgqrs.isEphemeralWorkerName(w.name));
    expect(ephemeral).toHaveLength(2);
    ephemeralName = ephemeral[0]?.name ?? "";
  });

  afterAll(async () => {
    await store.close();
    await db.drop();
  });

  it("lists live workers only, and says how many it hid and how to see them", async () => {
    const rows = await db.json<Row[]>("worker", "list");
    expect(rows.map((r) => r.name)).toEqual(["live-1"]);
    const human = await db.ok("worker", "list");
    expect(human).toContain("live-1");
    expect(human).not.toContain("gone-1");
    expect(human).not.toContain("__ephemeral__");
    expect(human).toContain("3 stopped or ephemeral worker(s) hidden: `pgqrs worker list --all` shows them.");
  });

  it("--all lists every worker; --status stopped lists stopped ones without --all", async () => {
    const all = await db.json<Row[]>("worker", "list", "--all");
    expect(all.map((r) => r.name).sort()).toEqual(expect.arrayContaining(["live-1", "gone-1", ephemeralName]));
    expect(all).toHaveLength(4);
    const stopped = await db.json<Row[]>("worker", "list", "--status", "stopped");
    expect(stopped.map((r) => r.name)).toEqual(["gone-1"]);
  });

  it("stopped ephemeral workers are purged although their messages reference them", async () => {
    // The store closes: its ephemeral workers stop (their leased message is released).
    await store.close();
    const stoppedEphemeral = (await db.json<Row[]>("worker", "list", "--all")).filter((r) =>
      pgqrs.isEphemeralWorkerName(r.name),
    );
    expect(stoppedEphemeral.map((r) => r.status)).toEqual(["stopped", "stopped"]);
    const purged = await db.json<{ purged: number }>("worker", "purge", "--older-than", "0");
    // Both ephemeral workers and the named stopped one (no message references it).
    expect(purged.purged).toBe(3);
    const left = await db.json<Row[]>("worker", "list", "--all");
    expect(left.map((r) => r.name)).toEqual(["live-1"]);
    // The messages are still there, without the purged workers' ids.
    const check = await pgqrs.connect(db.dsn, { schema: db.schema });
    try {
      const messages = await check.tables().messages().list();
      expect(messages).toHaveLength(3);
      for (const m of messages) {
        expect(m.producerWorkerId).toBeNull();
        expect(m.consumerWorkerId).toBeNull();
      }
    } finally {
      await check.close();
    }
  });
});
