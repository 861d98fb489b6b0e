/**
 * A claim takes at most its batch, whatever plan the server cached for it. On PostgreSQL, a worker that idles on
 * tables vacuumed while empty gets a generic plan for its prepared claim; under that plan a joined sub-select of
 * the ids to lease was rescanned once per message row, each rescan returning the next unlocked rows, so one claim
 * of 10 leased a 3,000-message backlog (in quadratic time). The same on SQLite, which caches no plans, as a check
 * of the contract.
 */
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { BACKENDS } from "../support/backends.js";
import { rawSql } from "../support/raw-sql.js";
import { openTestStore } from "../support/stores.js";

const BACKLOG = 600;
const TABLES = ["pgqrs_messages", "pgqrs_workflow_runs", "pgqrs_workflow_steps"];

describe.each(BACKENDS)("claims under a plan cached on empty tables on %s", (backend) => {
  const prepare = async (workflow: boolean) => {
    const t = await openTestStore(backend);
    const name = workflow ? "plan_wf" : "plan_q";
    if (workflow)
      await pgqrs
        .workflow()
        .name(pgqrs.defineWorkflow({ name }, async () => null))
        .create(t.store);
    else await pgqrs.admin(t.store).createQueue(name);
    const raw = await rawSql(backend, t.dsn, t.schema);
    for (const table of TABLES) {
      await raw.run({ sqlite: `ANALYZE ${table}`, postgres: `VACUUM ANALYZE {{schema}}.${table}` });
    }
    await raw.close();
    const consumer = await t.store.consumer(name);
    return { ...t, name, consumer };
  };

  /** Messages held by a consumer, counted by the store's own listing. */
  const leasedCount = async (store: pgqrs.Store) =>
    (await store.tables().messages().list({ limit: 10_000 })).filter((m) => m.consumerWorkerId !== null).length;

  const burst = async (store: pgqrs.Store, name: string) => {
    const producer = await store.producer(name);
    await producer.enqueueBatch(Array.from({ length: BACKLOG }, (_, i) => ({ input: i })));
  };

  it("dequeue and archiveAndDequeue lease exactly their batch after idle claims on empty tables", async () => {
    const { store, name, consumer } = await prepare(false);
    // More executions than the server needs before it switches a prepared statement to its generic plan (5).
    for (let i = 0; i < 8; i++) expect(await consumer.dequeue({ batchSize: 10, vtSeconds: 30 })).toEqual([]);
    for (let i = 0; i < 8; i++) expect((await consumer.archiveAndDequeue([], { batchSize: 10 })).messages).toEqual([]);
    await burst(store, name);
    expect(await consumer.dequeue({ batchSize: 10, vtSeconds: 30 })).toHaveLength(10);
    const next = await consumer.archiveAndDequeue([], { batchSize: 10 });
    expect(next.messages).toHaveLength(10);
    expect(await leasedCount(store)).toBe(20);
  });

  it("a workflow worker's claim starts exactly its batch of runs after idle claims on empty tables", async () => {
    const { store, name, consumer } = await prepare(true);
    for (let i = 0; i < 8; i++) expect((await consumer.dequeueStartingRuns(10, 30)) ?? []).toEqual([]);
    await burst(store, name);
    const claimed = (await consumer.dequeueStartingRuns(10, 30)) ?? (await consumer.dequeue({ batchSize: 10 }));
    expect(claimed).toHaveLength(10);
    expect(await leasedCount(store)).toBe(10);
  });
});
