// A producer process for the failover fault test: enqueues {k: "<prefix>-<i>"} one at a time, retrying an enqueue
// that failed with a retryable error (CONNECTION_FAILED, CONFLICT, BUSY) until it succeeds. Every ACKNOWLEDGED
// enqueue is appended to <ackFile> as "<key> <id> <epochMs>"; the last stdout line is a JSON summary.
// Usage: node --import tsx failover-producer.ts <dsn> <schema> <queue> <prefix> <count> <ackFile>
import { appendFileSync } from "node:fs";
import * as pgqrs from "../../../src/index.js";

const [dsn, schema, queue, prefix, count, ackFile] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
  string,
];
const RETRYABLE = new Set(["CONNECTION_FAILED", "CONFLICT", "BUSY"]);
const store = await pgqrs.connect(dsn, { schema, connectionTimeoutSeconds: 2 });
const producer = await store.producer(queue);
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
const errors: Record<string, number> = {};
let retried = 0;
for (let i = 0; i < Number(count); i++) {
  const key = `${prefix}-${i}`;
  for (let attempt = 1; ; attempt++) {
    try {
      const m = await producer.enqueue({ k: key });
      appendFileSync(ackFile, `${key} ${m.id} ${Date.now()}\n`);
      break;
    } catch (err) {
      const code = err instanceof pgqrs.PgqrsError ? err.code : "NOT_A_PGQRS_ERROR";
      errors[code] = (errors[code] ?? 0) + 1;
      if (!RETRYABLE.has(code) || attempt > 600) {
        process.stdout.write(`${JSON.stringify({ failed: key, code, message: String(err) })}\n`);
        process.exit(2);
      }
      retried += 1;
      await new Promise((r) => setTimeout(r, Math.min(200, 10 * attempt)));
    }
  }
}
process.stdout.write(`${JSON.stringify({ done: true, retried, errors })}\n`);
await store.close();
