// A queue worker process for the failover fault test: serves a queue with the ordinary worker loop until SIGTERM,
// logging every handler execution as "<id> <readCt>" to <execLog> and every ACKNOWLEDGED archive (the store's
// `completed` event, emitted once the archive has committed) as "<id> <epochMs>" to <ackLog>.
// Usage: node --import tsx failover-worker.ts <dsn> <schema> <queue> <execLog> <ackLog> <concurrency> <vtSeconds>
import { appendFileSync } from "node:fs";
import * as pgqrs from "../../../src/index.js";

const [dsn, schema, queue, execLog, ackLog, concurrency, vt] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
  string,
  string,
];
const store = await pgqrs.connect(dsn, {
  schema,
  pollIntervalMs: 20,
  heartbeatIntervalSeconds: 0.5,
  connectionTimeoutSeconds: 2,
});
store.events.on("completed", (e) => {
  const t = Date.now();
  appendFileSync(ackLog, e.messageIds.map((id) => `${id} ${t}\n`).join(""));
});
const consumer = await store.consumer(queue, `failover-${process.pid}`);
const stop = new AbortController();
const survived: Record<string, number> = {};
const loop = pgqrs
  .dequeue()
  .worker(consumer)
  .batch(5)
  .withVt(Number(vt))
  .concurrency(Number(concurrency))
  .signal(stop.signal)
  .onError((err) => {
    const code = (err as { code?: string }).code ?? "NOT_A_PGQRS_ERROR";
    survived[code] = (survived[code] ?? 0) + 1;
  })
  .handleBatch(async (msgs) => {
    appendFileSync(execLog, msgs.map((m) => `${m.id} ${m.readCt}\n`).join(""));
    await new Promise((r) => setTimeout(r, 5));
  })
  .poll(store);
process.stdout.write(`${JSON.stringify({ ready: true, workerId: consumer.id })}\n`);
process.on("SIGTERM", () => stop.abort());
try {
  await loop;
  process.stderr.write(`${JSON.stringify({ survived })}\n`);
  await store.close();
  process.exit(0);
} catch (err) {
  process.stderr.write(`worker loop failed: ${String(err)}\n`);
  process.exit(3);
}
