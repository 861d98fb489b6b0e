import * as pgqrs from "pgqrs";

// A typed queue: the queue's name and its payload type in one place (created on first use; safe to run again).
const emails = pgqrs.defineQueue<{ to: string; subject?: string }>("emails");

const store = await pgqrs.connect(process.env.PGQRS_DSN ?? "sqlite://./quickstart.db");
await pgqrs.admin(store).install();

// Produce: one message, then a batch (one insert, all or nothing).
await emails.enqueue(store, { to: "ada@example.com", subject: "Welcome" });
await emails.enqueueBatch(store, [{ to: "alan@example.com" }, { to: "grace@example.com" }]);

// Consume: lease up to 10 messages for 30 s, handle them, archive them. m.payload is typed: no cast.
const consumer = await emails.consumer(store);
const messages = await consumer.dequeue({ batchSize: 10, vtSeconds: 30 });
for (const m of messages) console.log(`sending to ${m.payload.to}`);
await consumer.archiveMany(messages.map((m) => m.id));

console.log(await pgqrs.admin(store).queueMetrics("emails"));
await consumer.suspend();
await consumer.shutdown();
await store.close();
