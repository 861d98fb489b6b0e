/**
 * Ids in URLs (`/queues/12`, `/actions/runs/7/cancel`): digits only, and then a safe positive integer as the API's
 * `assertId` requires (above 2^53 a JavaScript number cannot name a bigint id exactly). Anything else is a
 * malformed request (400); a well-formed id that names nothing is a 404.
 */
import { assertId } from "../validation/arguments.js";

/** The id, or `null` when `text` is not one. */
export function routeId(text: string | undefined): number | null {
  if (text === undefined || !/^\d{1,20}$/.test(text)) return null;
  try {
    return assertId("id", Number(text));
  } catch {
    return null;
  }
}
