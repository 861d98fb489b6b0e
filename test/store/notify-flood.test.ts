/**
 * Any role that can connect may NOTIFY the enqueue channel (security review L6). Wake-ups from notifications are
 * coalesced per consumer on the store clock (one per 25 ms, stretched to the poll interval while wake-ups find
 * nothing), so a flood drives no more claims than polling does, while a single enqueue from another process still wakes an idle consumer at once (issue 14 item 8). Counts claims through
 * the backend, in virtual time.
 */
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { enqueueChannel } from "../../src/store/postgres/postgres-listener.js";
import { postgresDsn, uniqueName } from "../support/backends.js";
import { openVirtualStore } from "../support/virtual-time.js";

const POLL_MS = 60_000;
const WINDOW_MS = 25;

/** Counts the claims (plain, and riding on acknowledgements) the store's loops send, per queue id. */
function countClaims(store: pgqrs.Store): Map<number, number> {
  const counts = new Map<number, number>();
  const backend = store.context.backend as unknown as Record<string, (p: { queueId: number }) => Promise<unknown>>;
  for (const op of ["dequeue", "archiveAndDequeue", "dequeueAndStartRuns"]) {
    const original = backend[op];
    if (original === undefined) continue;
    backend[op] = (p) => {
      counts.set(p.queueId, (counts.get(p.queueId) ?? 0) + 1);
      return original(p);
    };
  }
  return counts;
}

/** A client of a role that may only connect: no grant on the schema, NOTIFY needs none. */
async function connectOnlyClient(): Promise<{ client: pg.Client; drop: () => Promise<void> }> {
  const role = uniqueName("notifier");
  const admin = new pg.Client({ connectionString: postgresDsn() });
  await admin.connect();
  await admin.query(`CREATE ROLE ${role} LOGIN`);
  const url = new URL(postgresDsn());
  url.username = role;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  return {
    client,
    drop: async () => {
      await client.end().catch(() => undefined);
      await admin.query(`DROP ROLE IF EXISTS ${role}`);
      await admin.end();
    },
  };
}

describe("a NOTIFY flood on the enqueue channel (PostgreSQL)", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it("drives no more claims than polling does: one wake-up, then none until the poll interval", async () => {
    const { store, clock, schema, dsn } = await openVirtualStore("postgres", { pollIntervalMs: POLL_MS });
    const target = await store.queue("flooded");
    const marker = await store.queue("marker");
    const claims = countClaims(store);
    const controller = new AbortController();
    cleanups.push(async () => controller.abort());
    const loop = (queue: string) =>
      pgqrs
        .dequeue()
        .from(queue)
        .signal(controller.signal)
        .handle(() => undefined)
        .poll(store);
    const loops = [loop("flooded"), loop("marker")];
    cleanups.push(async () => {
      controller.abort();
      await Promise.all(loops);
    });
    // Both loops idle: asleep for their poll interval, their LISTEN in place.
    await expect.poll(() => clock.pending().filter((ms) => ms === POLL_MS).length, { timeout: 15_000 }).toBe(2);
    const before = claims.get(target.id) ?? 0;

    const { client, drop } = await connectOnlyClient();
    cleanups.push(drop);
    const channel = enqueueChannel(schema);
    const notify = (payload: string) => client.query("SELECT pg_notify($1, $2)", [channel, payload]);
    await Promise.all(Array.from({ length: 2000 }, (_, i) => notify(`${target.id}@flood${i}`)));
    // Notifications arrive in order on the store's one LISTEN connection: once the marker's consumer has claimed a
    // real message enqueued after the flood (by another store, standing in for another process), every notification
    // of the flood has been dispatched.
    const other = await pgqrs.connect(dsn, { schema, clock: { now: () => clock.now() } });
    cleanups.push(() => other.close());
    const markerBefore = claims.get(marker.id) ?? 0;
    await pgqrs.enqueue().message("m1").to("marker").execute(other);
    await expect.poll(() => claims.get(marker.id) ?? 0, { timeout: 15_000 }).toBeGreaterThan(markerBefore);

    // Clock standing still: the first notification woke the consumer, the other 1,999 wait.
    expect((claims.get(target.id) ?? 0) - before).toBeLessThanOrEqual(1);

    // That wake-up found nothing, so the next waits for the poll interval, not for the 25 ms window: windows pass
    // without a claim.
    for (let i = 0; i < 40; i++) clock.advance(WINDOW_MS);
    const markerAfter = claims.get(marker.id) ?? 0;
    await pgqrs.enqueue().message("m2").to("marker").execute(other);
    await expect.poll(() => claims.get(marker.id) ?? 0, { timeout: 15_000 }).toBeGreaterThan(markerAfter);
    expect((claims.get(target.id) ?? 0) - before).toBeLessThanOrEqual(1);
  });

  it("still wakes an idle consumer at once for a single enqueue from another process", async () => {
    const { store, clock, dsn, schema } = await openVirtualStore("postgres", { pollIntervalMs: POLL_MS });
    await store.queue("single");
    const controller = new AbortController();
    const handled: unknown[] = [];
    const loop = pgqrs
      .dequeue()
      .from("single")
      .signal(controller.signal)
      .handle((m) => {
        handled.push(m.payload);
      })
      .poll(store);
    cleanups.push(async () => {
      controller.abort();
      await loop;
    });
    await expect.poll(() => clock.pending().includes(POLL_MS), { timeout: 15_000 }).toBe(true);
    // Another store on the same schema stands in for another process (its notifications are not this store's own).
    const other = await pgqrs.connect(dsn, { schema, clock: { now: () => clock.now() } });
    cleanups.push(() => other.close());
    for (const payload of ["first", "second"]) {
      // The second one after a quiet window of clock time since the first woke the loop.
      if (payload === "second") clock.advance(WINDOW_MS);
      await pgqrs.enqueue().message(payload).to("single").execute(other);
      // No clock movement needed: the notification woke the loop, not its (60 s) poll.
      await expect.poll(() => handled.length, { timeout: 15_000 }).toBe(payload === "first" ? 1 : 2);
    }
    expect(handled).toEqual(["first", "second"]);
  });
});
