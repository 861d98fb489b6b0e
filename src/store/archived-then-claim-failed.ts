/**
 * The one partial outcome of `archiveAndDequeue` (see `MessageStore.archiveAndDequeue`): a backend that sends the
 * archive and the claim as separate transactions (PostgreSQL's acknowledgement beside its claim,
 * postgres-ack-beside-claim.ts) may see the archive apply and a claim fail. It rejects with this error, which carries
 * the archive's per-id result, so the caller can report the acknowledgements that applied (their `completed`
 * events) before it rethrows the claim's own error, `cause`. Nothing was claimed: what a claim took was given back.
 * It never reaches users: the consumer unwraps it (src/queue/consumer-claims.ts).
 */
export class ArchivedThenClaimFailed extends Error {
  /** One result per id of the call's `archiveIds`, as `archive` returns (true: archived by this call). */
  readonly archived: boolean[];

  /**
   * @param archived The archive's per-id result.
   * @param cause The claim's error, which the caller rethrows.
   */
  constructor(archived: boolean[], cause: unknown) {
    super("the archive applied, then a claim beside it failed", { cause });
    this.name = "ArchivedThenClaimFailed";
    this.archived = archived;
  }
}
