/**
 * The span names and attribute keys pgqrs writes, in one place. Queue spans follow OpenTelemetry's messaging
 * semantic conventions (https://opentelemetry.io/docs/specs/semconv/messaging/); workflow spans use keys under
 * `pgqrs.` of our own. Plain strings, so `@opentelemetry/semantic-conventions` is not needed at run time.
 */

/** `messaging.system`: the messaging system, always {@link MESSAGING_SYSTEM_PGQRS}. */
export const ATTR_MESSAGING_SYSTEM = "messaging.system";
/** `messaging.destination.name`: the queue's name (a workflow's queue has the workflow's name). */
export const ATTR_MESSAGING_DESTINATION_NAME = "messaging.destination.name";
/** `messaging.operation.type`: `send`, `receive` or `process`. */
export const ATTR_MESSAGING_OPERATION_TYPE = "messaging.operation.type";
/** `messaging.operation.name`: the operation as the system names it (`send`, `receive`, `process`). */
export const ATTR_MESSAGING_OPERATION_NAME = "messaging.operation.name";
/** `messaging.message.id`: the message id, on spans of a single message. */
export const ATTR_MESSAGING_MESSAGE_ID = "messaging.message.id";
/** `messaging.batch.message_count`: how many messages a batch operation sent or received (batches only). */
export const ATTR_MESSAGING_BATCH_MESSAGE_COUNT = "messaging.batch.message_count";
/** `pgqrs.message.read_count`: how many times the message was leased, this delivery included (its `readCt`). */
export const ATTR_PGQRS_READ_COUNT = "pgqrs.message.read_count";
/** `messaging.consumer.group.name`: the consumer's worker name. */
export const ATTR_MESSAGING_CONSUMER_GROUP_NAME = "messaging.consumer.group.name";
/** `error.type`: the failure's code (a PgqrsError's `code`) or the error's class name. */
export const ATTR_ERROR_TYPE = "error.type";

/** `pgqrs.workflow.name`: the workflow a run belongs to. */
export const ATTR_PGQRS_WORKFLOW_NAME = "pgqrs.workflow.name";
/** `pgqrs.run.id`: the run's id. */
export const ATTR_PGQRS_RUN_ID = "pgqrs.run.id";
/** `pgqrs.run.status`: the run's status when this delivery ended (`SUCCESS`, `ERROR`, `PAUSED`, …). */
export const ATTR_PGQRS_RUN_STATUS = "pgqrs.run.status";
/** `pgqrs.step.name`: the step's name within its run. */
export const ATTR_PGQRS_STEP_NAME = "pgqrs.step.name";
/** `pgqrs.step.replayed`: true when the step had already succeeded and its stored output was returned. */
export const ATTR_PGQRS_STEP_REPLAYED = "pgqrs.step.replayed";

/** The value of `messaging.system`. */
export const MESSAGING_SYSTEM_PGQRS = "pgqrs";

/** Operation types (`messaging.operation.type`). */
export const OPERATION_SEND = "send";
export const OPERATION_RECEIVE = "receive";
export const OPERATION_PROCESS = "process";

/** The instrumentation scope of every pgqrs span (the tracer's name). */
export const TRACER_NAME = "pgqrs";

/** Span names: `"send emails"`, `"receive emails"`, `"process emails"`, `"run process_task"`, `"step fetch"`. */
export const spanNames = {
  send: (queue: string) => `${OPERATION_SEND} ${queue}`,
  receive: (queue: string) => `${OPERATION_RECEIVE} ${queue}`,
  process: (queue: string) => `${OPERATION_PROCESS} ${queue}`,
  run: (workflow: string) => `run ${workflow}`,
  step: (step: string) => `step ${step}`,
} as const;
