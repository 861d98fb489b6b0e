/**
 * A run whose step failed twice (retried once, then out of retries), set up through the library without a worker:
 * what the CLI and the dashboard show as a step's attempt errors (issue 16).
 */
import * as pgqrs from "../../src/index.js";

export const ATTEMPT_MESSAGE = "fetch <b>failed</b>";

export async function runWithAttemptErrors(store: pgqrs.Store, name: string): Promise<pgqrs.RunRecord> {
  await store.createWorkflow(name);
  await pgqrs.workflow(name).trigger({ url: "https://example.test" }).execute(store);
  const [message] = await (await store.consumer(name)).dequeue();
  if (message === undefined) throw new Error("no trigger message");
  const run = await pgqrs.run().message(message).store(store).execute();
  await run.start();
  // One retry, due at once: the second call executes the step again, and its failure is the last.
  const retry = { maxAttempts: 1, backoff: pgqrs.BackoffStrategy.fixed(0) };
  for (let i = 0; i < 2; i++) {
    await run
      .step(
        "fetch",
        async () => {
          throw new TypeError(ATTEMPT_MESSAGE);
        },
        { retry },
      )
      .catch(() => undefined);
  }
  await run.fail({ message: "gave up" });
  return (await run.refresh()).record;
}
