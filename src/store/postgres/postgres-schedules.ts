/**
 * Schedules on PostgreSQL (see `store/schedule-store.ts`): definitions (postgres-schedule-definitions.ts), their
 * reads (postgres-schedule-reads.ts), and firing ticks once (postgres-schedule-firing.ts).
 */
import type { ScheduleStoreOps } from "../schedule-store.js";
import type { PostgresConnection } from "./postgres-connection.js";
import { createScheduleDefinitionOps } from "./postgres-schedule-definitions.js";
import { createScheduleFiringOps } from "./postgres-schedule-firing.js";
import { createScheduleReadOps } from "./postgres-schedule-reads.js";

export function createScheduleOps(conn: PostgresConnection): ScheduleStoreOps {
  return { ...createScheduleDefinitionOps(conn), ...createScheduleReadOps(conn), ...createScheduleFiringOps(conn) };
}
