// The body of the producer processes the fault tests spawn (test/fixtures/fault-producer.ts and
// test/faults/support/failover-producer.ts): enqueue {k: "<prefix>-<i>"} one at a time, retry an enqueue that
// failed with a retryable error until it succeeds, append every acknowledged enqueue to <ackFile>, and write a
// JSON summary as the last stdout line. Arguments: <dsn> <schema> <queue> <prefix> <count> <ackFile>.
import { appendFileSync } from "node:fs";
import * as pgqrs from "../../src/index.js";

/** How one producer process records acknowledgements and paces its retries. */
export interface RetryingProducerOptions {
  /** The line (with its newline) appended to the ack file once the enqueue of `key` is acknowledged as `id`. */
  ackLine(key: string, id: number): string;
  /** Attempts of one key after which even a retryable error makes the process exit with code 2. */
  maxAttempts: number;
  /** The delay before retry n is `min(maxDelayMs, delayStepMs * n)` milliseconds. */
  delayStepMs: number;
  /** Upper bound of the delay between two attempts, in milliseconds. */
  maxDelayMs: number;
}

const RETRYABLE = new Set(["CONNECTION_FAILED", "CONFLICT", "BUSY"]);

/** Runs the producer described above with the process's arguments. */
export async function runRetryingProducer(options: RetryingProducerOptions): Promise<void> {
  const [dsn, schema, queue, prefix, count, ackFile] = process.argv.slice(2) as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
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
        appendFileSync(ackFile, options.ackLine(key, m.id));
        break;
      } catch (err) {
        const code = err instanceof pgqrs.PgqrsError ? err.code : "NOT_A_PGQRS_ERROR";
        errors[code] = (errors[code] ?? 0) + 1;
        if (!RETRYABLE.has(code) || attempt > options.maxAttempts) {
          process.stdout.write(`${JSON.stringify({ failed: key, code, message: String(err) })}\n`);
          process.exit(2);
        }
        retried += 1;
        await new Promise((r) => setTimeout(r, Math.min(options.maxDelayMs, options.delayStepMs * attempt)));
      }
    }
  }
  process.stdout.write(`${JSON.stringify({ done: true, retried, errors })}\n`);
  await store.close();
}
