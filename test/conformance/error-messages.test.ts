/**
 * Errors that say what to do next (issue 19 item 4), on both backends: a database where pgqrs was never installed,
 * a workflow triggered or served before it was created, a message of a queue that has no workflow.
 */
import { afterAll, describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { databaseFile, dropDatabase, EVERY_BACKEND, freshDatabase } from "../support/backends.js";
import { openTestStore, thrown } from "../support/stores.js";

describe.each(EVERY_BACKEND)("error messages on %s", (backend) => {
  it("a database without the schema: SCHEMA_NOT_INSTALLED naming the place and both ways to install", async () => {
    const { dsn, schema } = freshDatabase(backend);
    const store = await pgqrs.connect(dsn, { schema });
    afterAll(async () => {
      await store.close();
      await dropDatabase(backend, schema);
    });
    const calls: [string, () => Promise<unknown>][] = [
      ["createQueue", () => pgqrs.admin(store).createQueue("emails")],
      ["getQueue", () => store.getQueue("emails")],
      ["enqueue", () => pgqrs.enqueue().message({ to: "a" }).to("emails").execute(store)],
      ["dequeue", () => pgqrs.dequeue().from("emails").fetchOne(store)],
      ["list workers", () => store.tables().workers().list()],
      ["trigger", () => pgqrs.workflow("process_task").trigger({ id: 1 }).execute(store)],
    ];
    for (const [what, call] of calls) {
      const err = await thrown(call);
      expect(err.code, what).toBe("SCHEMA_NOT_INSTALLED");
      expect(err.message, what).toContain("run `npx pgqrs install` or `await pgqrs.admin(store).install()`".slice(4));
      expect(err.message, what).toContain("pgqrs_");
      if (backend === "postgres") expect(err.message, what).toContain(`(schema ${schema})`);
      else expect(err.message, what).toContain(databaseFile(dsn));
      expect(err.cause, what).toBeDefined();
    }
    // verify() keeps its own answer (it reads the catalog and writes nothing).
    expect((await thrown(() => pgqrs.admin(store).verify())).code).toBe("SCHEMA_VALIDATION");
    // The next step works: after install() the same calls succeed.
    await pgqrs.admin(store).install();
    await pgqrs.admin(store).createQueue("emails");
    expect((await store.getQueue("emails")).queueName).toBe("emails");
  });

  it("once installed, errors that are not about the schema keep their own codes", async () => {
    const { store } = await openTestStore(backend);
    expect((await thrown(() => store.getQueue("nope"))).code).toBe("QUEUE_NOT_FOUND");
  });

  it("triggering a workflow never created names it and the calls that create it", async () => {
    const { store } = await openTestStore(backend);
    for (const call of [
      () => pgqrs.workflow("process_task").trigger({ id: 1 }).execute(store),
      () => pgqrs.workflow().name("process_task").trigger({ id: 1 }).execute(store),
    ]) {
      const err = await thrown(call);
      expect(err.code).toBe("WORKFLOW_NOT_FOUND");
      expect(err.message).toContain("Workflow 'process_task' not found");
      expect(err.message).toContain('pgqrs.workflow().name("process_task").create(store)');
      expect(err.message).toContain('store.createWorkflow("process_task")');
      expect(err.message).toContain("pgqrs workflow create process_task");
    }
  });

  it("a workflow worker for a workflow never created names it and the calls that create it", async () => {
    const { store } = await openTestStore(backend);
    const def = pgqrs.defineWorkflow({ name: "never_created" }, async (_run, input: { id: number }) => input.id);
    const err = await thrown(() => pgqrs.consumer("worker-1", 8080, "never_created").handler(def).create(store));
    expect(err.code).toBe("WORKFLOW_NOT_FOUND");
    expect(err.message).toContain("Workflow 'never_created' not found");
    expect(err.message).toContain('pgqrs.workflow().name("never_created").create(store)');
    expect((err.cause as pgqrs.PgqrsError).code).toBe("QUEUE_NOT_FOUND");
    expect(await store.tables().workers().count()).toBe(0);
    // Once created, the same call serves.
    await pgqrs.workflow().name(def).create(store);
    const worker = await pgqrs.consumer("worker-1", 8080, "never_created").handler(def).create(store);
    await worker.interrupt();
    await worker;
  });

  it("a run for a message of a queue without a workflow says how to create one", async () => {
    const { store } = await openTestStore(backend);
    await store.queue("plain");
    await pgqrs
      .enqueue()
      .message({ input: { id: 1 } })
      .to("plain")
      .execute(store);
    const msg = await pgqrs.dequeue().from("plain").fetchOne(store);
    if (msg === null || msg === undefined) throw new Error("expected the message");
    const err = await thrown(() => pgqrs.run().message(msg).store(store).execute());
    expect(err.code).toBe("WORKFLOW_NOT_FOUND");
    expect(err.message).toContain("No workflow is defined for queue 'plain'");
    expect(err.message).toContain('store.createWorkflow("plain")');
  });
});
