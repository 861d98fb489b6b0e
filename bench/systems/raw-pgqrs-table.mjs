/**
 * The raw baseline of issue 21's enqueue floors: node-postgres clients running pgqrs's own single-row enqueue
 * statement (the same text, parameters and types, notification included) as a named statement, into a
 * pgqrs-installed schema: same table, foreign keys, indexes and commit settings as pgqrs's enqueue, and no engine
 * around it. One client for sequential enqueues; one client per caller for concurrent ones.
 */
import { createHash } from "node:crypto";
import pg from "pg";
import * as pgqrs from "../../dist/index.js";
import { concurrentCallers } from "../lib/callers.mjs";
import { dropSchemas } from "../lib/postgres.mjs";

let seq = 0;

async function pgqrsSchema(dsn) {
  const schema = `bench_rawtable_${process.pid}_${++seq}`;
  const store = await pgqrs.connect(dsn, { schema });
  await pgqrs.admin(store).install();
  const queue = await store.queue("enq");
  const producer = await store.producer("enq");
  const ids = { queueId: queue.id, producerId: producer.id };
  await store.close();
  return { schema, ...ids };
}

/** pgqrs's `enqueue_one` statement (src/store/postgres/postgres-enqueue.ts), against `schema`. */
function enqueueSql(schema) {
  const channel = `pgqrs_enqueue_${createHash("md5").update(schema).digest("hex")}`;
  return `
    INSERT INTO "${schema}"."pgqrs_messages" (queue_id, payload, read_ct, enqueued_at, vt, producer_worker_id, priority,
                             group_key, headers)
    VALUES ($1, $2::jsonb, 0, $3, $4, $5, $7::int, $8::text, $9::jsonb)
    RETURNING id, (SELECT pg_catalog.pg_notify('${channel}', $1::bigint::text || $6::text)) AS notified`;
}

export function rawPgqrsTableSystem(dsn) {
  /** `callers` clients (one each) inserting `n` messages between them. */
  async function run({ n, callers, limitMs }) {
    const t = await pgqrsSchema(dsn);
    const clients = await Promise.all(
      Array.from({ length: callers }, async () => {
        const c = new pg.Client({ connectionString: dsn });
        await c.connect();
        return c;
      }),
    );
    try {
      const text = enqueueSql(t.schema);
      return await concurrentCallers({ n, callers, limitMs }, (i, caller) => {
        const at = new Date();
        const payload = JSON.stringify({ kind: "benchmark", i });
        const values = [t.queueId, payload, at, at, t.producerId, "@raw", 0, null, null];
        return clients[caller].query({ name: "enqueue_one", text, values });
      });
    } finally {
      await Promise.all(clients.map((c) => c.end()));
      await dropSchemas(dsn, [t.schema]);
    }
  }
  return {
    name: "raw SQL",
    /** Sequential single-row enqueues from one client. */
    enqueue: ({ n, limitMs }) => run({ n, callers: 1, limitMs }),
    /** `callers` clients, each awaiting its own insert. */
    enqueueConcurrent: ({ n, callers, limitMs }) => run({ n, callers, limitMs }),
  };
}
