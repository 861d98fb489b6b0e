/**
 * Type tests (issue 16, item 4): a definition's input and output types flow through `workflow().name(def)`,
 * `trigger(input)`, `execute(store)` / `start(store)`, the trigger message's controls, `getRun`, and child runs.
 * `tsc -p tsconfig.json` (the typecheck step of `npm test`) checks this file: an `expectTypeOf` that no longer holds
 * (a type widened to `unknown`, say) or an `@ts-expect-error` with no error is a compile error. The functions are
 * never called; vitest only runs the last test, which checks they exist.
 */
import { describe, expectTypeOf, it } from "vitest";
import * as pgqrs from "../../src/index.js";

interface Order {
  orderId: number;
  qty: number;
}
interface Receipt {
  orderId: number;
  total: number;
}

const charge = pgqrs.defineWorkflow({ name: "charge" }, async (run, input: Order): Promise<Receipt> => {
  const total = await run.step("price", async () => input.qty * 3);
  expectTypeOf(total).toEqualTypeOf<number>();
  return { orderId: input.orderId, total };
});

const parent = pgqrs.defineWorkflow({ name: "parent" }, async (run, input: { orders: Order[] }) => {
  const first = await run.callChild("first", charge, input.orders[0] as Order);
  expectTypeOf(first).toEqualTypeOf<Receipt>();
  const child = await run.startChild("second", charge, { orderId: 2, qty: 1 });
  expectTypeOf(child.result).returns.resolves.toEqualTypeOf<Receipt>();
  // A child by name has no types to carry: its output is unknown.
  expectTypeOf(await run.callChild("by_name", "charge", { any: "thing" })).toBeUnknown();
  // @ts-expect-error the child's input must be the child definition's input type
  await run.callChild("bad", charge, { orderId: "x" });
  // @ts-expect-error ... also for startChild
  await run.startChild("bad2", charge, { qty: 1 });
  return [first.total, (await child.result()).total];
});

async function triggers(store: pgqrs.Store): Promise<void> {
  expectTypeOf(charge).toEqualTypeOf<pgqrs.WorkflowDefinition<Order, Receipt>>();
  expectTypeOf(parent).toEqualTypeOf<pgqrs.WorkflowDefinition<{ orders: Order[] }, number[]>>();

  const builder = pgqrs.workflow().name(charge);
  expectTypeOf(builder).toEqualTypeOf<pgqrs.WorkflowBuilder<Order, Receipt>>();
  expectTypeOf(pgqrs.workflow(charge)).toEqualTypeOf<pgqrs.WorkflowBuilder<Order, Receipt>>();

  const msg = await builder.trigger({ orderId: 1, qty: 2 }).execute(store);
  expectTypeOf(msg).toEqualTypeOf<pgqrs.TriggerMessage<Order, Receipt>>();
  // Still the queue message the seed guide uses.
  expectTypeOf(msg).toExtend<pgqrs.QueueMessage>();
  expectTypeOf(msg.id).toEqualTypeOf<number>();
  expectTypeOf(msg.payload).toEqualTypeOf<{ input: Order }>();
  expectTypeOf(msg.payload.input.qty).toEqualTypeOf<number>();
  // Its run's controls, typed by the definition.
  expectTypeOf(msg.result).returns.resolves.toEqualTypeOf<Receipt>();
  expectTypeOf(msg.result).parameter(0).toEqualTypeOf<pgqrs.ResultOptions | undefined>();
  expectTypeOf(await msg.result({ timeoutMs: 1000 })).not.toBeUnknown();
  expectTypeOf((await msg.result()).total).toEqualTypeOf<number>();
  expectTypeOf(msg.runId).returns.resolves.toEqualTypeOf<number>();
  // pgqrs.run() over a typed trigger message resolves with the definition's output; over a plain message, unknown.
  const ran = pgqrs.run().message(msg).store(store);
  expectTypeOf(ran).toEqualTypeOf<pgqrs.RunBuilder<Receipt>>();
  expectTypeOf(await ran.result({ timeoutMs: 1000 })).toEqualTypeOf<Receipt>();
  expectTypeOf(await ran.get()).toEqualTypeOf<Receipt | undefined>();
  const plain: pgqrs.QueueMessage = msg;
  expectTypeOf(await pgqrs.run().message(plain).store(store).result()).toBeUnknown();
  expectTypeOf(await pgqrs.run().message(plain).store(store).result<number>()).toEqualTypeOf<number>();
  expectTypeOf(msg.status).returns.resolves.toEqualTypeOf<pgqrs.WorkflowStatus>();
  expectTypeOf(msg.cancel).returns.resolves.toEqualTypeOf<pgqrs.RunRecord>();

  const started = await pgqrs.workflow().name(charge).trigger({ orderId: 1, qty: 2 }).idempotencyKey("k").start(store);
  expectTypeOf(started.message).toEqualTypeOf<pgqrs.TriggerMessage<Order, Receipt>>();

  // getRun of a typed definition: `output` is the definition's output (null until the run succeeds).
  const run = await pgqrs.workflow().name(charge).getRun(msg.id, store);
  expectTypeOf(run.output).toEqualTypeOf<Receipt | null>();
  expectTypeOf(run.status).toEqualTypeOf<pgqrs.WorkflowStatus>();
  expectTypeOf(run).toExtend<pgqrs.TypedRunRecord<Receipt>>();

  // @ts-expect-error a trigger with the wrong input type does not compile
  pgqrs.workflow().name(charge).trigger({ orderId: "1", qty: 2 });
  // @ts-expect-error ... nor one missing a field
  pgqrs.workflow().name(charge).trigger({ orderId: 1 });
  // @ts-expect-error ... nor a child's input for its parent
  pgqrs.workflow().name(parent).trigger({ orderId: 1, qty: 2 });

  // By name, nothing is known: any input, unknown output (the untyped API is unchanged).
  const byName = await pgqrs.workflow("charge").trigger({ anything: true }).execute(store);
  expectTypeOf(byName).toEqualTypeOf<pgqrs.TriggerMessage<unknown, unknown>>();
  expectTypeOf(byName.result).returns.resolves.toBeUnknown();
  expectTypeOf((await pgqrs.workflow("charge").getRun(byName.id, store)).output).toBeUnknown();
}

describe("workflow types", () => {
  it("is checked by tsc (npm test's typecheck step); the checks are compiled, never run", () => {
    expectTypeOf(triggers).toBeFunction();
    expectTypeOf(parent.fn).toBeFunction();
  });
});
