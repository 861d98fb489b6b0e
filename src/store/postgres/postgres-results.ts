/** Reading statement results on PostgreSQL: per-id outcomes, counts, the claim order, and the default page. */
import type { QueueMessage } from "../../types.js";
import type { Row } from "./postgres-connection.js";
import { num } from "./postgres-row-values.js";

/**
 * Map RETURNING ids onto the caller's ids: `true` where that id came back. A repeated id is `true` only at its
 * first position, since the statement changed the row once.
 */
export function perIdResult(ids: readonly number[], returned: readonly Row[]): boolean[] {
  const hit = new Set(returned.map((r) => num(r.id)));
  return ids.map((id) => hit.delete(id));
}

/** `count(*)` comes back as int8. */
export function countOf(rows: readonly Row[], column = "n"): number {
  const first = rows[0];
  return first === undefined ? 0 : num(first[column] ?? 0);
}

/** Dequeue order: (`priority` descending, `enqueued_at`, `id`). */
export function byClaimOrder(a: QueueMessage, b: QueueMessage): number {
  return b.priority - a.priority || a.enqueuedAt.getTime() - b.enqueuedAt.getTime() || a.id - b.id;
}

/** Default page size of listings. */
export function page(p: { limit?: number; offset?: number }): { limit: number; offset: number } {
  return { limit: p.limit ?? 100, offset: p.offset ?? 0 };
}
