import * as pgqrs from "pgqrs";

interface Task {
  id: number;
}

const store = await pgqrs.connect(process.env.PGQRS_DSN ?? "sqlite://./basic-workflow.db");
await pgqrs.admin(store).install();

// Shape 1, step by step (the guide's steps 1-4).
await store.createWorkflow("process_task"); // idempotent
const msg = await pgqrs.workflow("process_task").trigger({ id: 1 }).execute(store);
// pgqrs's (host, port, queue) form names the consumer "worker-1:8080" (the port is only part of the name);
// pgqrs.consumer("worker-1", "process_task") or store.consumer("process_task") register one without it.
const consumer = await pgqrs.consumer("worker-1", 8080, "process_task").create(store);
const [m] = await consumer.dequeue({ batchSize: 1 });
if (m === undefined) throw new Error("the trigger message should be there");
const run = await pgqrs.run().message(m).store(store).execute();
await run.start();
const step = await run.acquireStep("process_task", { currentTime: run.currentTime });
if (step.status === "EXECUTE") await step.guard.success({ status: "success" });
await run.complete({ status: "success" });
await consumer.archive(m.id);
const rec = await pgqrs.workflow("process_task").getRun(msg.id, store);
console.log("step by step:", rec.status, JSON.stringify(rec.output));

// Shape 2, definition-driven: a worker serves the workflow until interrupted.
const processTask = pgqrs.defineWorkflow({ name: "process_task" }, async (run, input: Task) => {
  return pgqrs.workflowStep(run, "process_item", async () => ({
    processed: "task_data",
    id: input.id,
    status: "done",
  }));
});
await pgqrs.workflow().name(processTask).create(store);
const trigger = await pgqrs.workflow().name(processTask).trigger({ id: 2 }).execute(store);
const worker = pgqrs.workflow().name(processTask).consumer(consumer).poll(store); // runs until interrupted
// The trigger message is typed by the definition: result() resolves with its output type.
const result = await trigger.result({ timeoutMs: 30_000 }); // { processed: string; id: number; status: string }
console.log("definition-driven:", JSON.stringify(result));
console.log(`task ${result.id}: ${result.status}`); // typed: no cast needed
await consumer.interrupt();
await worker;

await consumer.shutdown();
await store.close();
