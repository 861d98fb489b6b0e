/**
 * A demo database for the dashboard tests and the README screenshots: an hour of traffic on three queues, dead
 * letters, leased and delayed messages, workers in every state (one zombie holding messages), and two workflows
 * whose runs succeeded, failed, retried, are running, queued or paused.
 *
 * Time is a clock offset from the wall clock: it starts an hour back, moves forward while seeding, and ends at
 * "now", so the seeded store's background heartbeats keep live workers live afterwards.
 */
import * as pgqrs from "../../src/index.js";
import type { Clock, Run, Store } from "../../src/index.js";

export class OffsetClock implements Clock {
  offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  /** Jump to `ms` before the wall clock. */
  at(msBeforeNow: number): void {
    this.offsetMs = -msBeforeNow;
  }
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

export interface Seeded {
  queues: { emails: number; payments: number; reports: number };
  deadMessageIds: number[];
  runningRunId: number;
  retriedRunId: number;
  zombieWorkerId: number;
}

const MIN = 60_000;

export async function seedDemo(store: Store, clock: OffsetClock): Promise<Seeded> {
  const admin = pgqrs.admin(store);
  clock.at(62 * MIN);
  const emails = await admin.createQueue("emails");
  const payments = await admin.createQueue("payments");
  const reports = await admin.createQueue("reports");
  await store.createWorkflow("process_order");
  await store.createWorkflow("send_invoice");

  const emailProducer = await store.producer("emails", "api-1");
  const emailConsumer = await store.consumer("emails", "mailer-1");
  const reportConsumer = await store.consumer("reports", "reporter-old");
  const payProducer = await store.producer("payments", "api-2");
  const payConsumer = await store.consumer("payments", "payments-1");

  // A worker that dies holding messages: its heartbeats stop an hour ago.
  await (await store.producer("reports", "report-scheduler")).enqueueBatch([{ r: 1 }, { r: 2 }, { r: 3 }, { r: 4 }]);
  await reportConsumer.dequeue({ batchSize: 3, vtSeconds: 7200 });
  reportConsumer.detach();

  // An hour of traffic, with a mid-hour burst.
  for (let minute = 0; minute < 60; minute += 1) {
    clock.at((60 - minute) * MIN);
    const n = 6 + Math.round(5 * Math.sin(minute / 7) + 4) + (minute > 35 && minute < 44 ? 14 : 0);
    await emailProducer.enqueueBatch(
      Array.from({ length: n }, (_, i) => ({ to: `user${minute * 100 + i}@example.com`, template: "welcome" })),
    );
    const got = await emailConsumer.dequeue({ batchSize: n, vtSeconds: 30 });
    await emailConsumer.archiveMany(got.map((m) => m.id));
    if (minute % 3 === 0) {
      await payProducer.enqueue({ invoice: `INV-${1000 + minute}`, amountCents: 1999 + minute * 7 });
      const p = await payConsumer.dequeue({ batchSize: 5, vtSeconds: 30 });
      await payConsumer.archiveMany(p.map((m) => m.id));
    }
  }

  // Dead letters: delivered maxReadCt times without success.
  clock.at(20 * MIN);
  await payProducer.enqueueBatch([
    { invoice: "INV-0042", amountCents: 120000, card: "declined" },
    { invoice: "INV-0043", amountCents: 990, card: "expired" },
    { invoice: "INV-0044", amountCents: 4500, card: "declined" },
  ]);
  for (let i = 0; i < store.config.maxReadCt; i += 1) {
    await payConsumer.dequeue({ batchSize: 10, vtSeconds: 1 });
    clock.advance(2_000);
  }
  const deadMessageIds = await admin.dlq("payments");

  const { runningRunId, retriedRunId } = await seedWorkflows(store, clock);

  // Now: pending, delayed and leased messages, and workers in every state.
  clock.at(0);
  await emailProducer.enqueueBatch(
    Array.from({ length: 12 }, (_, i) => ({ to: `late${i}@example.com`, template: "digest" })),
  );
  await emailProducer.enqueue({ to: "later@example.com", template: "reminder" }, { delaySeconds: 3600 });
  await emailConsumer.dequeue({ batchSize: 4, vtSeconds: 900 });
  await (await store.consumer("emails", "mailer-2")).suspend();
  const retired = await store.consumer("payments", "payments-old");
  await retired.suspend();
  await retired.shutdown();
  await emailConsumer.poll();
  // Every live worker beats now (the store would within one period), so only the detached one is a zombie.
  await store.context.heartbeats.beatNow();

  return {
    queues: { emails: emails.id, payments: payments.id, reports: reports.id },
    deadMessageIds,
    runningRunId,
    retriedRunId,
    zombieWorkerId: reportConsumer.id,
  };
}

async function seedWorkflows(
  store: Store,
  clock: OffsetClock,
): Promise<{ runningRunId: number; retriedRunId: number }> {
  const orders = await store.consumer("process_order", "order-worker-1");
  const invoices = await store.consumer("send_invoice", "invoice-worker-1");
  let retriedRunId = 0;
  let runningRunId = 0;
  for (let i = 0; i < 18; i += 1) {
    clock.at((40 - i * 2) * MIN);
    const kind = i === 4 ? "retry" : i === 9 || i === 14 ? "error" : i >= 16 ? "running" : "ok";
    await pgqrs
      .workflow("process_order")
      .trigger({ orderId: 5000 + i, items: 1 + (i % 4) })
      .execute(store);
    const [m] = await orders.dequeue({ batchSize: 1, vtSeconds: 600 });
    if (m === undefined) throw new Error("seed: trigger not delivered");
    const run = await (await store.run(m)).start();
    const id = await orderSteps(run, clock, kind, 5000 + i);
    if (kind === "retry") retriedRunId = id;
    if (kind === "running") {
      runningRunId = id;
      continue;
    }
    await orders.archive(m.id);
  }
  for (let i = 0; i < 8; i += 1) {
    clock.at((30 - i * 3) * MIN);
    await pgqrs
      .workflow("send_invoice")
      .trigger({ invoice: `INV-${2000 + i}` })
      .execute(store);
    if (i >= 6) continue; // left QUEUED
    const [m] = await invoices.dequeue({ batchSize: 1, vtSeconds: 600 });
    if (m === undefined) throw new Error("seed: trigger not delivered");
    const run = await (await store.run(m)).start();
    await step(run, clock, "render_pdf", 800, { pages: 2 });
    if (i === 5) {
      await run.pause("waiting for approval", 3_600_000);
      continue;
    }
    await step(run, clock, "email_customer", 350, { sent: true });
    await run.complete({ delivered: true });
    await invoices.archive(m.id);
  }
  return { runningRunId, retriedRunId };
}

async function orderSteps(run: Run, clock: OffsetClock, kind: string, orderId: number): Promise<number> {
  await step(run, clock, "validate_order", 120, { valid: true, orderId });
  await step(run, clock, "reserve_stock", 640, { reserved: ["sku-1", "sku-7"] });
  if (kind === "retry") {
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const a = await run.acquireStep("charge_card");
      if (a.status !== "EXECUTE") throw new Error("seed: charge_card should execute");
      clock.advance(900);
      const row = await a.guard.failTransient("GATEWAY_TIMEOUT", "payment gateway timed out", { retryAfterMs: 4_000 });
      clock.advance(Math.max(0, (row.retryAt?.getTime() ?? 0) - clock.now().getTime()) + 50);
    }
  }
  if (kind === "error") {
    const a = await run.acquireStep("charge_card");
    if (a.status !== "EXECUTE") throw new Error("seed: charge_card should execute");
    clock.advance(1_300);
    const error = { code: "CARD_DECLINED", message: "card declined by issuer", orderId };
    await a.guard.fail(error);
    await run.fail(error);
    return run.id;
  }
  if (kind === "running") {
    await run.acquireStep("charge_card");
    return run.id;
  }
  await step(run, clock, "charge_card", 1_100, { chargeId: `ch_${orderId}`, amountCents: 4200 });
  await step(run, clock, "send_confirmation", 260, { emailed: true });
  await run.complete({ orderId, status: "shipped" });
  return run.id;
}

async function step(run: Run, clock: OffsetClock, name: string, ms: number, output: unknown): Promise<void> {
  const a = await run.acquireStep(name);
  if (a.status !== "EXECUTE") return;
  clock.advance(ms);
  await a.guard.success(output);
  clock.advance(40);
}
