/**
 * The `details` of each {@link PgqrsErrorCode}, so a caller that checked the code reads typed facts:
 * `if (isPgqrsError(err, "RATE_LIMITED")) wait(err.details.retryAfterMs)`. Split by subject into
 * error-details-entities.ts, error-details-store.ts and error-details-workflow.ts.
 */
import type { EntityErrorDetailsMap } from "./error-details-entities.js";
import type { StoreErrorDetailsMap } from "./error-details-store.js";
import type { WorkflowErrorDetailsMap } from "./error-details-workflow.js";
import type { PgqrsErrorCode } from "./errors.js";

/**
 * From each {@link PgqrsErrorCode} to the shape of `details` on a {@link PgqrsError} with that code. Fields every
 * pgqrs site sets are required; the others are optional (read them with a check). Codes that carry nothing map to
 * a type no field can be given to. Narrow with `isPgqrsError(err, code)` to get `PgqrsError<code>`, whose `details`
 * is `PgqrsErrorDetailsMap[code]`.
 */
export interface PgqrsErrorDetailsMap extends EntityErrorDetailsMap, StoreErrorDetailsMap, WorkflowErrorDetailsMap {}

/**
 * The `details` type of `PgqrsError<C>`: the map's entry for one code (or a union of codes), and the open record
 * `PgqrsErrorDetails` for the whole code union (an error whose code is not known yet).
 */
export type PgqrsErrorDetailsOf<C extends PgqrsErrorCode> = [PgqrsErrorCode] extends [C]
  ? Readonly<Record<string, unknown>>
  : PgqrsErrorDetailsMap[C];
