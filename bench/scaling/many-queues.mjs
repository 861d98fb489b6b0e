/**
 * Many small queues drained by one loop (issue 21, item 3): `queues` queues (1,000) with `perQueue` messages each
 * (5), one registered consumer per queue, and one loop that visits the queues in turn: claim the queue's messages
 * (`consumer.dequeue({ batchSize: perQueue })`), archive them (`archiveMany`). Against the same loop on ONE queue
 * holding as many messages, making as many claims of `perQueue`: same statements, same rows, the only difference is
 * how many queues they are spread over. Also timed: registering the consumers, and one more pass over the queues
 * once they are empty (an idle sweep: one claim per queue finding nothing).
 */
import { sql } from "../lib/postgres.mjs";
import { median, now } from "../lib/stats.mjs";
import { analyze, openSchema, table } from "./common.mjs";

/** `perQueue` visible messages in each of the given queues, one statement. */
async function fillEach(dsn, schema, queueIds, perQueue) {
  await sql(
    dsn,
    `INSERT INTO ${table(schema, "pgqrs_messages")} (queue_id, payload, vt, enqueued_at)
     SELECT q, pg_catalog.jsonb_build_object('kind', 'benchmark', 'i', g), t, t
       FROM pg_catalog.unnest($1::bigint[]) q, pg_catalog.generate_series(1, $2::int) g,
            LATERAL (SELECT pg_catalog.now() - interval '1 hour' + g * interval '1 microsecond' AS t) x`,
    [queueIds, perQueue],
  );
}

/** Visit every (consumer, claims) pair in turn: claim `batch`, archive what came; messages handled per second. */
async function sweep(visits, batch) {
  let handled = 0;
  const t0 = now();
  for (const consumer of visits) {
    const ms = await consumer.dequeue({ batchSize: batch });
    if (ms.length > 0) await consumer.archiveMany(ms.map((m) => m.id));
    handled += ms.length;
  }
  const ms = now() - t0;
  return { handled, ms, perSec: (handled / ms) * 1000 };
}

export async function manyQueues({ dsn, queues, perQueue, rounds, log }) {
  const many = await openSchema(dsn, "mq", { maxConnections: 4 });
  const one = await openSchema(dsn, "oq", { maxConnections: 4 });
  try {
    const names = Array.from({ length: queues }, (_, i) => `q${String(i).padStart(4, "0")}`);
    const records = [];
    for (const name of names) records.push(await many.store.queue(name));
    const t0 = now();
    const consumers = [];
    for (const name of names) consumers.push(await many.store.consumer(name));
    const registerMs = now() - t0;
    log(`  scaling: ${queues} queues and their consumers (registration ${registerMs.toFixed(0)} ms)`);
    const single = await one.store.queue("single");
    const singleConsumer = await one.store.consumer("single");
    const ids = records.map((q) => q.id);

    const manyRates = [];
    const oneRates = [];
    const idleMs = [];
    for (let round = 1; round <= rounds; round++) {
      await fillEach(dsn, many.schema, ids, perQueue);
      await fillEach(dsn, one.schema, [single.id], queues * perQueue);
      await analyze(dsn, many.schema);
      await analyze(dsn, one.schema);
      const m = await sweep(consumers, perQueue);
      const s = await sweep(
        Array.from({ length: queues }, () => singleConsumer),
        perQueue,
      );
      const idle = await sweep(consumers, perQueue);
      if (m.handled !== queues * perQueue || idle.handled !== 0) {
        throw new Error(`the sweep over ${queues} queues handled ${m.handled}, then ${idle.handled}`);
      }
      manyRates.push(m.perSec);
      oneRates.push(s.perSec);
      idleMs.push(idle.ms);
      log(
        `  scaling: ${queues} queues × ${perQueue}, round ${round}: ${Math.round(m.perSec)} jobs/s; one queue ${Math.round(s.perSec)} jobs/s; empty sweep ${idle.ms.toFixed(0)} ms`,
      );
    }
    return {
      queues,
      perQueue,
      rounds,
      registerMs,
      manyPerSec: median(manyRates),
      onePerSec: median(oneRates),
      idleSweepMs: median(idleMs),
      manyRates,
      oneRates,
    };
  } finally {
    await many.close();
    await one.close();
  }
}
