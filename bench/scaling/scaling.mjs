/**
 * `node bench/run.mjs --only scaling` (issue 21, item 3): cost that stays flat as the work grows. Runs once per
 * invocation (not per round: its parts interleave their own repetitions), each part in schemas of its own:
 *
 * - backlog: drain rate with 10,000 / 100,000 / 1,000,000 messages waiting, and with 1,000,000 archived rows present;
 * - queues: 1,000 queues with 5 messages each, drained by one loop, against one queue of 5,000;
 * - workers: the database load of 10 and 100 idle workers (statements, transactions, server CPU per worker);
 * - memory: one worker process's RSS and live heap sampled over 1,000,000 messages;
 * - processes: one database drained by 1, 2, 4, 6 and 8 worker processes.
 *
 * A part that fails is recorded in `failures` and the others still run.
 */
import { backlogScaling } from "./backlog.mjs";
import { idleWorkers } from "./heartbeats.mjs";
import { manyQueues } from "./many-queues.mjs";
import { workerMemory } from "./memory.mjs";
import { processScaling } from "./processes.mjs";

/** Full sizes, and `--quick` ones for iterating (orientation only). */
export function scalingSizes(quick) {
  return quick
    ? {
        backlog: { sizes: [2_000, 20_000, 100_000], window: 2_000, archived: 100_000, rounds: 2, claims: 100 },
        queues: { queues: 200, perQueue: 5, rounds: 2 },
        workers: { counts: [5, 20], windowSeconds: 6 },
        memory: { messages: 100_000, sampleEvery: 5_000 },
        processes: { counts: [1, 2, 4, 8], backlog: 120_000, windowMs: 3_000, rounds: 1 },
      }
    : {
        backlog: { sizes: [10_000, 100_000, 1_000_000], window: 10_000, archived: 1_000_000, rounds: 5, claims: 300 },
        queues: { queues: 1_000, perQueue: 5, rounds: 3 },
        workers: { counts: [10, 100], windowSeconds: 20 },
        memory: { messages: 1_000_000, sampleEvery: 20_000 },
        processes: { counts: [1, 2, 4, 6, 8], backlog: 400_000, windowMs: 8_000, rounds: 2 },
      };
}

/** `parts`: the names of the parts to run (default: PGQRS_BENCH_SCALING_PARTS, comma-separated, else all). */
export async function runScaling({ dsn, quick, log, parts = process.env.PGQRS_BENCH_SCALING_PARTS?.split(",") }) {
  const sizes = scalingSizes(quick);
  const out = { quick, sizes, failures: {} };
  const run = async (name, fn) => {
    if (parts !== undefined && !parts.includes(name)) return;
    const t0 = Date.now();
    try {
      out[name] = await fn();
      out[name].seconds = Math.round((Date.now() - t0) / 1000);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      out.failures[name] = message;
      log(`  ! scaling ${name} failed: ${message.split("\n")[0]}`);
    }
  };
  await run("backlog", () => backlogScaling({ dsn, ...sizes.backlog, log }));
  await run("queues", () => manyQueues({ dsn, ...sizes.queues, log }));
  await run("workers", () => idleWorkers({ dsn, ...sizes.workers, log }));
  await run("memory", () => workerMemory({ dsn, ...sizes.memory, log }));
  await run("processes", () => processScaling({ dsn, ...sizes.processes, log }));
  return out;
}
