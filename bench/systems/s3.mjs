/**
 * S3 (durable mode): pgqrs on an `s3://` object against fauxqs, an S3 emulator from npm, on loopback in this
 * process. Every write is published (a HEAD, then a PUT of the whole SQLite file) before its call resolves, so the
 * figures measure round trips and file uploads to a local server: a real S3 region adds its latency to each call.
 * The emulator is reached directly (the tests' conditional-write proxy is not in the path; one writer never
 * conflicts). One call from bench/run.mjs per round: `s3Round`.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildApp } from "fauxqs";
import * as pgqrs from "../../dist/index.js";
import { now, waitUntil } from "../lib/stats.mjs";

const BUCKET = "pgqrs-bench";

async function startEmulator() {
  const app = buildApp({ logger: false });
  await app.listen({ port: 0, host: "127.0.0.1" });
  const { port } = app.server.address();
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`,
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "bench",
    AWS_SECRET_ACCESS_KEY: "bench",
  });
  const { S3Client, CreateBucketCommand } = await import("@aws-sdk/client-s3");
  const client = new S3Client({ endpoint: process.env.AWS_ENDPOINT_URL, forcePathStyle: true });
  await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
  client.destroy();
  return () => app.close();
}

let serial = 0;
async function openStore() {
  serial += 1;
  const cacheDir = mkdtempSync(join(tmpdir(), "pgqrs-bench-s3-"));
  const store = await pgqrs.connect(`s3://${BUCKET}/bench-${process.pid}-${serial}.sqlite`, { s3: { cacheDir } });
  await pgqrs.admin(store).install();
  return {
    store,
    fileBytes: () => statSync(pgqrs.asS3(store).cacheFile).size,
    close: async () => {
      await store.close();
      rmSync(cacheDir, { recursive: true, force: true });
    },
  };
}

/** `n` single enqueues, one after another: each is one published write. */
async function enqueue(n) {
  const s = await openStore();
  try {
    await s.store.queue("enq");
    const producer = await s.store.producer("enq");
    const t0 = now();
    for (let i = 0; i < n; i++) await producer.enqueue({ kind: "benchmark", i });
    return { perSec: (n / (now() - t0)) * 1000, fileBytes: s.fileBytes() };
  } finally {
    await s.close();
  }
}

/** A backlog of `n` (one batch enqueue), drained by one handler loop taking `b` at a time. */
async function drain(n, b, limitMs) {
  const s = await openStore();
  try {
    await s.store.queue("drain");
    const producer = await s.store.producer("drain");
    await producer.enqueueBatch(Array.from({ length: n }, (_, i) => ({ kind: "benchmark", i })));
    const consumer = await s.store.consumer("drain");
    let processed = 0;
    const stop = new AbortController();
    const builder = pgqrs.dequeue().worker(consumer).batch(b).signal(stop.signal);
    const start = now();
    const loop = (
      b === 1
        ? builder.handle(async () => {
            processed += 1;
          })
        : builder.handleBatch(async (ms) => {
            processed += ms.length;
          })
    ).poll(s.store);
    const finished = await waitUntil(() => processed >= n, limitMs, 1);
    const elapsed = now() - start;
    stop.abort();
    await loop;
    return { perSec: (processed / elapsed) * 1000, processed, capped: !finished, fileBytes: s.fileBytes() };
  } finally {
    await s.close();
  }
}

/** One round of the S3 figures: durable enqueue, and drains at B=1 and B=50. */
export async function s3Round({ quick, attempt, record, log }) {
  const n = quick ? 200 : 500;
  const stopEmulator = await startEmulator();
  try {
    const e = await attempt("pgqrs", "s3 enqueue", () => enqueue(quick ? 100 : 300));
    if (e !== undefined) {
      log(`  S3 durable enqueue: ${Math.round(e.perSec)} jobs/s (file ${Math.round(e.fileBytes / 1024)} KiB)`);
      record("s3_enqueue", { label: "S3 durable enqueues", unit: "jobs/s", higherIsBetter: true }, "pgqrs", e.perSec);
    }
    for (const b of [1, 50]) {
      const r = await attempt("pgqrs", `s3 drain B=${b}`, () => drain(n, b, quick ? 30_000 : 120_000));
      if (r === undefined) continue;
      log(`  S3 durable drain B=${b}: ${Math.round(r.perSec)} jobs/s${r.capped ? ` (capped: ${r.processed})` : ""}`);
      record(
        `s3_drain_b${b}`,
        { label: `S3 durable drain of ${n}, K=1 B=${b}`, unit: "jobs/s", higherIsBetter: true },
        "pgqrs",
        r.perSec,
        r,
      );
    }
  } finally {
    await stopEmulator();
  }
}
