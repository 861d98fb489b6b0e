/**
 * The deletes a SQLite file must cascade, for install (which adds a trigger where the foreign key does not cascade)
 * and verify (which checks that every one cascades, by foreign key or trigger).
 */

/** A delete that must cascade from `parent` to the rows of `child` whose `column` references it. */
export interface CascadeSpec {
  child: string;
  column: string;
  parent: string;
  /** The trigger that deletes the children when the foreign key does not cascade (pgqrs's files). */
  trigger: string;
}

/**
 * Deletes the engine relies on cascading: purging or deleting a queue, or deleting a message, takes its runs and
 * their steps along. Our files declare these foreign keys ON DELETE CASCADE; pgqrs's do not, and SQLite cannot
 * alter a foreign key, so on those files a trigger does the same.
 */
export const CASCADES: readonly CascadeSpec[] = [
  {
    child: "pgqrs_workflow_runs",
    column: "message_id",
    parent: "pgqrs_messages",
    trigger: "pgqrs_ts_delete_message_runs",
  },
  {
    child: "pgqrs_workflow_runs",
    column: "workflow_id",
    parent: "pgqrs_workflows",
    trigger: "pgqrs_ts_delete_workflow_runs",
  },
  {
    child: "pgqrs_workflow_steps",
    column: "run_id",
    parent: "pgqrs_workflow_runs",
    trigger: "pgqrs_ts_delete_run_steps",
  },
  // Tables of migration 0005, always created by it with cascading foreign keys (pgqrs has no such tables).
  {
    child: "pgqrs_workflow_messages",
    column: "run_id",
    parent: "pgqrs_workflow_runs",
    trigger: "pgqrs_ts_delete_run_messages",
  },
  {
    child: "pgqrs_workflow_events",
    column: "run_id",
    parent: "pgqrs_workflow_runs",
    trigger: "pgqrs_ts_delete_run_events",
  },
  // Migration 0010's table, created with a cascading foreign key: deleting a queue takes its settings along.
  {
    child: "pgqrs_queue_settings",
    column: "queue_id",
    parent: "pgqrs_queues",
    trigger: "pgqrs_ts_delete_queue_settings",
  },
  // Migration 0011's tables, created with cascading foreign keys: a schedule goes with its queue or workflow, its
  // ticks with it.
  { child: "pgqrs_schedules", column: "queue_id", parent: "pgqrs_queues", trigger: "pgqrs_ts_delete_queue_schedules" },
  {
    child: "pgqrs_schedules",
    column: "workflow_id",
    parent: "pgqrs_workflows",
    trigger: "pgqrs_ts_delete_workflow_schedules",
  },
  {
    child: "pgqrs_schedule_ticks",
    column: "schedule_id",
    parent: "pgqrs_schedules",
    trigger: "pgqrs_ts_delete_schedule_ticks",
  },
  // Migration 0012's table (retention periods), cascading like the settings.
  {
    child: "pgqrs_retention",
    column: "queue_id",
    parent: "pgqrs_queues",
    trigger: "pgqrs_ts_delete_queue_retention",
  },
];

/** The trigger that does `k`'s cascade on a file whose foreign key does not. */
export function createCascadeTriggerSql(k: CascadeSpec): string {
  return `CREATE TRIGGER IF NOT EXISTS ${k.trigger} BEFORE DELETE ON ${k.parent}
  BEGIN DELETE FROM ${k.child} WHERE ${k.column} = OLD.id; END`;
}
