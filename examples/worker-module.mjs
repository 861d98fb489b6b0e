// A module for `pgqrs worker run --module examples/worker-module.mjs`: the CLI serves every exported
// `defineWorkflow` value and the queue handlers of the exported `handlers` object.
//
//   pgqrs install --dsn sqlite://./app.db
//   pgqrs queue create emails --if-not-exists --dsn sqlite://./app.db
//   pgqrs worker run --module examples/worker-module.mjs --dsn sqlite://./app.db      # in one shell
//   pgqrs workflow trigger send_welcome '{"email":"ada@example.com"}' --wait --dsn sqlite://./app.db
//   pgqrs message enqueue emails '{"to":"alan@example.com"}' --dsn sqlite://./app.db
import * as pgqrs from "pgqrs";

export const sendWelcome = pgqrs.defineWorkflow({ name: "send_welcome" }, async (run, input) => {
  const user = await pgqrs.workflowStep(run, "create_user", async () => ({ email: input.email, id: run.id }));
  await pgqrs.workflowStep(run, "send_email", async () => {
    console.log(`welcome mail to ${user.email}`);
    return true;
  });
  return { userId: user.id };
});

export const handlers = {
  // Returning archives the message; throwing releases it for another attempt.
  emails: async (message) => {
    console.log(`sending to ${message.payload.to}`);
  },
};
