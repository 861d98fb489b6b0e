/**
 * Group commit: concurrent callers' writes that arrive while one is in flight wait, and go together in the next
 * statement, one round trip and one durable commit for all of them. The mechanism shared by the producer's single
 * enqueues (queue/enqueue-group.ts) and a worker's workflow step boundaries (workflow/step-boundary-group.ts); what
 * a statement holds and how it is written are theirs ({@link GroupCommitWrites}).
 *
 * What each caller still gets of its own:
 * - its durability: its promise settles only when the statement that holds its write has returned, i.e. after its
 *   commit;
 * - its answer: results come back in member order, one per member;
 * - its error: when the database refuses the shared statement, the members are written one by one
 *   ({@link GroupCommitWrites.one}) and each gets the answer its own statement gets; an error that is every
 *   member's answer ({@link GroupCommitWrites.failsAll}: a lost connection, which may or may not have committed)
 *   fails them all at once, without a retry that could write twice.
 *
 * No timers: a call that finds nothing in flight is written at once, alone, straight through
 * {@link GroupCommitWrites.one} (no member record, no promise of the group's own, no drain loop), so a sequential
 * caller never waits. After a lone write that others waited for, and after a statement of several members (or when
 * members still wait), the group yields one turn of the event loop before the next statement, so the callers just
 * answered can write again and ride along instead of one of them taking the next statement alone. An owner whose
 * callers run long continuations ({@link GroupCommitWrites.answerOnePerTurn}) has a shared statement's members
 * answered one per turn instead of all at once.
 *
 * A call carries two values (`first`, `second`: the owner's own two arguments, e.g. a payload and its row's
 * values) rather than one object, so that a lone call allocates nothing for the group.
 */

/** One waiting call: its two values as given to {@link GroupCommit.add}, and its caller's promise. */
export interface GroupMember<First, Second, Result> {
  /** The call's first value (e.g. the serialised payload, the run's id). */
  readonly first: First;
  /** The call's second value (e.g. the row's values, the step boundary). */
  readonly second: Second;
  /** Settles the caller's promise with its own result, once the statement that holds it has returned. */
  resolve(result: Result): void;
  /** Settles the caller's promise with its own error. */
  reject(err: unknown): void;
}

/** How a group writes: the owner's statements and batching rules. */
export interface GroupCommitWrites<First, Second, Result> {
  /**
   * One call's own statement, exactly what it sends without a group: used for a lone call and for the one-by-one
   * retry after a refused shared statement. May throw synchronously: that fails this call only.
   */
  one(first: First, second: Second): Promise<Result>;
  /** One statement for several members (two or more); one result per member, in member order. */
  many(batch: readonly GroupMember<First, Second, Result>[]): Promise<Result[]>;
  /**
   * The next statement's members, removed from `pending` (which the group owns and keeps in arrival order): the
   * oldest waiting within the owner's caps, at least one. Members left in `pending` keep their order.
   */
  take(pending: GroupMember<First, Second, Result>[]): GroupMember<First, Second, Result>[];
  /**
   * Answer a shared statement's members one per turn of the event loop (default: all at once). For callers whose
   * continuation is long (a workflow run's next step and user code): the process's other I/O that arrived meanwhile
   * (another statement's reply, a trigger's insert coming back) is then handled between two members' answers
   * instead of after the whole batch's continuations. Worth it there (a worker driving 16 runs beside the code that
   * triggers them); for short continuations (enqueue callers) the extra turns cost more than they give.
   */
  readonly answerOnePerTurn?: boolean;
  /**
   * Whether an error of the shared statement is every member's own answer (a lost connection, a closed store), so
   * they all fail with it; otherwise the members are retried one by one.
   */
  failsAll(err: unknown): boolean;
}

/**
 * Group commit of concurrent calls (see the module comment). One instance per stream of writes that may share a
 * statement; the instance holds no timers and needs no closing.
 */
export class GroupCommit<First, Second, Result> {
  readonly #writes: GroupCommitWrites<First, Second, Result>;
  readonly #pending: GroupMember<First, Second, Result>[] = [];
  /** A write is in flight (lone or shared): calls wait in `#pending`. */
  #busy = false;

  /** A group writing through `writes`; idle until the first {@link GroupCommit.add}. */
  constructor(writes: GroupCommitWrites<First, Second, Result>) {
    this.#writes = writes;
  }

  /**
   * Write one call with whatever else is waiting; resolves with its own result once the statement that holds it has
   * committed, or rejects with its own error. Never throws synchronously.
   */
  add(first: First, second: Second): Promise<Result> {
    if (this.#busy) {
      return new Promise<Result>((resolve, reject) => {
        this.#pending.push({ first, second, resolve, reject });
      });
    }
    this.#busy = true;
    let written: Promise<Result>;
    try {
      written = this.#writes.one(first, second);
    } catch (err) {
      written = Promise.reject(err);
    }
    // Registered before the caller's own continuation, so the group is idle again (or flushing what waits) first.
    written.then(this.#afterLone, this.#afterLone);
    return written;
  }

  readonly #afterLone = (): void => {
    if (this.#pending.length === 0) {
      this.#busy = false;
      return;
    }
    this.#drain().catch((err: unknown) => {
      for (const m of this.#pending.splice(0)) m.reject(err);
    });
  };

  async #drain(): Promise<void> {
    try {
      // Members waited during the lone write: one turn first, so the caller just answered can ride along too.
      await nextTurn();
      while (this.#pending.length > 0) {
        const batch = this.#writes.take(this.#pending);
        await this.#flush(batch);
        if (this.#pending.length > 0 || batch.length > 1) await nextTurn();
      }
    } finally {
      this.#busy = false;
    }
  }

  async #flush(batch: readonly GroupMember<First, Second, Result>[]): Promise<void> {
    const [first] = batch;
    if (batch.length === 1 && first !== undefined) return this.#alone(first);
    let results: Result[];
    try {
      results = await this.#writes.many(batch);
    } catch (err) {
      if (this.#writes.failsAll(err)) {
        for (const m of batch) m.reject(err);
        return;
      }
      // Refused as a whole, nothing written: each member alone gets its own answer.
      for (const m of batch) await this.#alone(m);
      return;
    }
    // All at once, or one per turn of the event loop (`answerOnePerTurn`): the next statement still waits for
    // every member, so the callers that write again ride in it together.
    const onePerTurn = this.#writes.answerOnePerTurn === true;
    for (let i = 0; i < batch.length; i++) {
      if (i > 0 && onePerTurn) await nextTurn();
      (batch[i] as GroupMember<First, Second, Result>).resolve(results[i] as Result);
    }
  }

  /** One member's own statement, exactly as without a group. */
  async #alone(m: GroupMember<First, Second, Result>): Promise<void> {
    try {
      m.resolve(await this.#writes.one(m.first, m.second));
    } catch (err) {
      m.reject(err);
    }
  }
}

/** One turn of the event loop: every continuation already queued (callers just answered) runs first. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
