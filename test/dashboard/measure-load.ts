/**
 * Page load times on a big database: `npx tsx test/dashboard/measure-load.ts [sqlite|postgres]` seeds 100,000
 * messages (half archived) and 10,000 workflow runs, then times each page (first load, and median of 5 warm ones).
 * Postgres uses PGQRS_TEST_DSN with a fresh schema, dropped afterwards.
 */
import { startDashboard } from "../../src/dashboard/server.js";
import * as pgqrs from "../../src/index.js";
import { type BackendName, dropSchema, freshDatabase } from "../support/backends.js";

const backend = (process.argv[2] ?? "sqlite") as BackendName;
const { dsn, schema } = freshDatabase(backend);
const store = await pgqrs.connect(dsn, { schema });
await pgqrs.admin(store).install();
let t = Date.now();

await pgqrs.admin(store).createQueue("bulk");
const producer = await store.producer("bulk", "bulk-producer");
const consumer = await store.consumer("bulk", "bulk-consumer");
for (let i = 0; i < 100; i += 1) {
  await producer.enqueueBatch(Array.from({ length: 1000 }, (_, j) => ({ n: i * 1000 + j, body: "x".repeat(64) })));
}
for (let i = 0; i < 50; i += 1) {
  const got = await consumer.dequeue({ batchSize: 1000, vtSeconds: 60 });
  await consumer.archiveMany(got.map((m) => m.id));
}
await store.createWorkflow("bulk_flow");
const flowProducer = await store.producer("bulk_flow", "flow-producer");
const flowConsumer = await store.consumer("bulk_flow", "flow-consumer");
for (let i = 0; i < 10; i += 1) {
  await flowProducer.enqueueBatch(Array.from({ length: 1000 }, (_, j) => ({ input: { order: i * 1000 + j } })));
}
let firstRun = 0;
for (let i = 0; i < 10; i += 1) {
  const got = await flowConsumer.dequeue({ batchSize: 1000, vtSeconds: 3600 });
  for (const m of got) {
    const run = await (await store.run(m)).start();
    if (firstRun === 0) firstRun = run.id;
    if (m.id % 3 === 0) await run.complete({ ok: true });
  }
}
console.log(`${backend}: seeded 110,000 messages and 10,000 runs in ${((Date.now() - t) / 1000).toFixed(1)} s`);

const view = await pgqrs.connect(dsn, { schema });
const dashboard = await startDashboard({ store: view, host: "127.0.0.1", port: 0 });
const queue = await store.getQueue("bulk");
const pages = [
  "",
  `queues/${queue.id}`,
  `queues/${queue.id}?state=archived&page=100`,
  "workers",
  "workflows",
  "workflows?status=SUCCESS&page=50",
  `runs/${firstRun}`,
];
for (const p of pages) {
  const times: number[] = [];
  for (let i = 0; i < 6; i += 1) {
    t = performance.now();
    const res = await fetch(dashboard.url + p);
    await res.text();
    if (res.status !== 200) throw new Error(`${p}: HTTP ${res.status}`);
    times.push(performance.now() - t);
    await new Promise((r) => setTimeout(r, 1100)); // past the metrics cache
  }
  const warm = times.slice(1).sort((a, b) => a - b);
  console.log(
    `/${p.padEnd(42)} first ${times[0]?.toFixed(0).padStart(5)} ms   warm median ${warm[2]?.toFixed(0).padStart(4)} ms`,
  );
}
await dashboard.close();
await view.close();
await store.close();
if (backend === "postgres") await dropSchema(schema);
