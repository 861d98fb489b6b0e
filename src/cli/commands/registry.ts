import type { CommandSpec } from "../command.js";
import { dashboardCommand } from "./dashboard-command.js";
import { demoCommand, demoWorkerCommand } from "./demo-commands.js";
import { messageCommands } from "./message-commands.js";
import { metricsCommand } from "./metrics-commands.js";
import { queueCommands } from "./queue-commands.js";
import { retentionCommands } from "./retention-commands.js";
import { scheduleCommands } from "./schedule-commands.js";
import { schemaCommands } from "./schema-commands.js";
import { workerCommands } from "./worker-commands.js";
import { workerRunCommand } from "./worker-run.js";
import { workflowCommands } from "./workflow-commands.js";

/** Every command, in help order. */
export const COMMANDS: readonly CommandSpec[] = [
  demoCommand,
  ...schemaCommands,
  ...queueCommands,
  ...messageCommands,
  workerRunCommand,
  ...workerCommands,
  ...workflowCommands,
  ...scheduleCommands,
  ...retentionCommands,
  dashboardCommand,
  metricsCommand,
  demoWorkerCommand,
];

/** Group words (`queue`, `message`, …) and top-level commands. */
export function topLevelNames(): string[] {
  return [...new Set(COMMANDS.filter((c) => !c.hidden).map((c) => c.name.split(" ")[0] as string))];
}
