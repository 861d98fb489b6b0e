/**
 * A large acknowledgement and a large claim side by side: `archiveAndDequeue` with at least
 * {@link ACK_BESIDE_CLAIM_MIN_ROWS} ids to archive and as many messages to claim sends the archive and two claims of
 * half the batch each as three statements at once, each on its own connection, instead of one statement that
 * archives and then claims.
 *
 * One statement runs on one server process, so a loop whose handlers are fast waits for the archive and the claim
 * one after the other, with the server's other cores idle; and the claim is the longer part (measured at 800 rows:
 * 25 to 33 ms against 14 to 19 ms for the archive). Side by side, each part runs on its own process. Measured on a
 * 2-core machine with durable commits, paired drains of 10,000 messages at batch 50 (medians of 10 to 12 drains):
 * at 16 slots, one statement 17,952 messages/s, the archive beside one claim 20,197 (and 16,448 against 20,217 for
 * one claim against two, in another series); at 4 slots 14,233, 15,056 and no gain from the second claim. Smaller
 * batches stay in one statement, whose single round trip is what they pay for.
 *
 * Every order stays safe. The claims leave out the ids being archived (a snapshot may still show one of our own
 * expired leases unarchived), and SKIP LOCKED keeps the two claims from taking the same row. The archive waits only
 * for row locks, and a claim never waits, so they cannot deadlock. What changes is the atomicity: the statements are
 * separate transactions. When any of them fails, what the claims took is given back (delivery refunded) before the
 * error is thrown, so nothing was claimed. When the archive applied and a claim failed, the error is
 * `ArchivedThenClaimFailed`, carrying the archive's result (archiving the same ids again is a no-op that returns
 * false for them, so a retry could not tell which of them this call archived).
 */
import type {
  ArchiveAndDequeueParams,
  ArchiveAndDequeueResult,
  OwnedIdsParams,
  ReleaseParams,
} from "../message-params.js";
import type { QueueMessage } from "../../types.js";
import { ArchivedThenClaimFailed } from "../archived-then-claim-failed.js";
import { byClaimOrder } from "./postgres-rows.js";

/** Fewest ids to archive, and fewest messages to claim, for which the archive and the two half claims run side by side. */
export const ACK_BESIDE_CLAIM_MIN_ROWS = 200;

/** Whether `archiveAndDequeue(p)` on PostgreSQL runs as the archive and two half claims side by side. */
export function ackBesideClaim(p: ArchiveAndDequeueParams): boolean {
  return p.archiveIds.length >= ACK_BESIDE_CLAIM_MIN_ROWS && p.limit >= ACK_BESIDE_CLAIM_MIN_ROWS;
}

/** What {@link archiveBesideClaim} runs: the owner-checked archive and release, and a claim leaving out ids. */
export interface AckBesideClaimOps {
  archive(p: OwnedIdsParams): Promise<boolean[]>;
  release(p: ReleaseParams): Promise<boolean[]>;
  /** Claim up to `limit` messages, none of `exclude`. */
  claim(exclude: readonly number[], limit: number): Promise<QueueMessage[]>;
}

/** Archive `p.archiveIds` and claim up to `p.limit` messages, in statements sent at once (see the file's note). */
export async function archiveBesideClaim(
  p: ArchiveAndDequeueParams,
  ops: AckBesideClaimOps,
): Promise<ArchiveAndDequeueResult> {
  const half = Math.floor(p.limit / 2);
  const [archived, ...claims] = await Promise.allSettled([
    ops.archive({ ids: p.archiveIds, workerId: p.workerId, now: p.now }),
    ops.claim(p.archiveIds, half),
    ops.claim(p.archiveIds, p.limit - half),
  ]);
  const messages = claims.flatMap((c) => (c.status === "fulfilled" ? c.value : []));
  const failed = [archived, ...claims].find((r) => r.status === "rejected");
  if (failed !== undefined) {
    if (messages.length > 0) {
      // Best effort: a release that fails leaves the leases to expire (the messages come back, never lost).
      await ops
        .release({
          ids: messages.map((m) => m.id),
          workerId: p.workerId,
          now: p.now,
          visibleAt: p.now,
          refundDelivery: true,
        })
        .catch(() => undefined);
    }
    // The archive applied and a claim failed: the caller still learns which acknowledgements applied.
    if (archived.status === "fulfilled") throw new ArchivedThenClaimFailed(archived.value, failed.reason);
    throw failed.reason;
  }
  return { archived: archived.status === "fulfilled" ? archived.value : [], messages: messages.sort(byClaimOrder) };
}
