/**
 * The dead-letter rule, shared by every backend: a message is dead when the dead-letter sweep archived it, which
 * sets `archived_at` and `dead_lettered_at` to the same time in one statement. pgqrs (Rust/Python) knows nothing of
 * `dead_lettered_at`: its `replay_dlq` clears `archived_at` only, which makes the message pending again, and a later
 * archive sets a new `archived_at`, which makes it a plain archived message. The SQL of each backend spells the same
 * rule as `archived_at IS NOT NULL AND dead_lettered_at = archived_at`.
 */

/** `deadLetteredAt` as reported on a message: the stored time while the message is dead, otherwise `null`. */
export function deadLetteredAtOf(archivedAt: Date | null, deadLetteredAt: Date | null): Date | null {
  if (archivedAt === null || deadLetteredAt === null) return null;
  return archivedAt.getTime() === deadLetteredAt.getTime() ? deadLetteredAt : null;
}
