// A producer process for the failover fault test: enqueues {k: "<prefix>-<i>"} one at a time, retrying an enqueue
// that failed with a retryable error (CONNECTION_FAILED, CONFLICT, BUSY) until it succeeds. Every ACKNOWLEDGED
// enqueue is appended to <ackFile> as "<key> <id> <epochMs>"; the last stdout line is a JSON summary.
// Usage: node --import tsx failover-producer.ts <dsn> <schema> <queue> <prefix> <count> <ackFile>
import { runRetryingProducer } from "../../support/retrying-producer.js";

await runRetryingProducer({
  ackLine: (key, id) => `${key} ${id} ${Date.now()}\n`,
  maxAttempts: 600,
  delayStepMs: 10,
  maxDelayMs: 200,
});
