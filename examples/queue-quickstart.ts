import * as pgqrs from "pgqrs";

const store = await pgqrs.connect(process.env.PGQRS_DSN ?? "sqlite://./quickstart.db");
await pgqrs.admin(store).install();
await pgqrs.admin(store).createQueue("emails", { ifNotExists: true }); // safe to run again

// Produce: one message, then a batch (one insert, all or nothing).
const producer = await store.producer("emails");
await producer.enqueue({ to: "ada@example.com", subject: "Welcome" });
await producer.enqueueBatch([{ to: "alan@example.com" }, { to: "grace@example.com" }]);

// Consume: lease up to 10 messages for 30 s, handle them, archive them.
const consumer = await store.consumer("emails");
const messages = await consumer.dequeue({ batchSize: 10, vtSeconds: 30 });
for (const m of messages) console.log(`sending to ${(m.payload as { to: string }).to}`);
await consumer.archiveMany(messages.map((m) => m.id));

console.log(await pgqrs.admin(store).queueMetrics("emails"));
await consumer.suspend();
await consumer.shutdown();
await store.close();
