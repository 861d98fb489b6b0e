/**
 * Which pool client a statement runs on. One client of a pool the store owns stays checked out between statements
 * (the kept client), so a caller that runs one statement at a time (a sequential producer, a poll loop) skips the
 * pool's checkout and release: two timers, two events and listener swaps per statement, which cost a lone
 * enqueue about a tenth of the raw statement's time. Statements that overlap take more clients from the pool as
 * before, within its size (the kept client counts toward it); when one of them waits for the pool, the kept client
 * goes back to it as soon as it is free. A user-supplied pool is shared with the application, so nothing is kept
 * from it.
 *
 * The kept client's session dying while it is idle (a server restart, a terminated backend) drops it at once, as
 * the pool drops its idle clients; one that fails or turns out read-only during a statement is destroyed, as any
 * checked-out client is, and its replacement comes from the pool (host selection again). Closing releases it.
 */
import type pg from "pg";

/** One statement's (or transaction's) hold on a client. */
export interface ClientLease {
  readonly client: pg.PoolClient;
  /** Set when the client must not be reused: its session failed, or a ROLLBACK did. */
  broken: Error | undefined;
}

const asError = (reason: unknown): Error => (reason instanceof Error ? reason : new Error(String(reason)));

/** A lease on a client checked out from the pool for this statement alone. */
class PoolLease implements ClientLease {
  readonly client: pg.PoolClient;
  broken: Error | undefined;
  /**
   * The pool listens for errors only on idle clients. A checked-out client whose server session ends between two
   * statements emits 'error' with no query to deliver it to; unheard, that event would crash the process. Mark the
   * lease broken instead: the next statement fails with CONNECTION_FAILED and the client is destroyed on release.
   */
  readonly onError = (reason: unknown): void => {
    this.broken ??= asError(reason);
  };

  constructor(client: pg.PoolClient) {
    this.client = client;
    client.on("error", this.onError);
  }
}

export class ClientLeases {
  readonly #pool: pg.Pool;
  readonly #keep: boolean;
  #kept: pg.PoolClient | undefined;
  /** The kept client's lease while a statement holds it; undefined while it is idle. */
  #keptLease: ClientLease | undefined;
  #closed = false;

  /** `keep`: hold one client between statements (only for a pool the store owns). */
  constructor(pool: pg.Pool, keep: boolean) {
    this.#pool = pool;
    this.#keep = keep;
  }

  /** The kept client when it is idle, now leased; `undefined` otherwise (then {@link checkout}). */
  take(): ClientLease | undefined {
    const client = this.#kept;
    if (client === undefined || this.#keptLease !== undefined) return undefined;
    const lease: ClientLease = { client, broken: undefined };
    this.#keptLease = lease;
    return lease;
  }

  /** A client from the pool (rejects as `pool.connect()` does). */
  async checkout(): Promise<ClientLease> {
    return new PoolLease(await this.#pool.connect());
  }

  /** The statement is done with the client: kept (idle again, or as the kept client when none is) or released. */
  release(lease: ClientLease): void {
    const { client, broken } = lease;
    // A statement waiting for the pool (all its clients taken) gets this client rather than waiting while it idles.
    const waited = this.#pool.waitingCount > 0;
    if (client === this.#kept) {
      this.#keptLease = undefined;
      if (broken !== undefined || this.#closed || waited) this.#drop(broken);
      return;
    }
    if (lease instanceof PoolLease) client.off("error", lease.onError);
    if (broken === undefined && this.#keep && !this.#closed && !waited && this.#kept === undefined) {
      this.#kept = client;
      client.on("error", this.#onKeptError);
      client.on("end", this.#onKeptEnd);
      return;
    }
    client.release(broken);
  }

  /** No more kept client: the idle one goes back to the pool now, one in use when its statement ends. */
  close(): void {
    this.#closed = true;
    if (this.#keptLease === undefined) this.#drop(undefined);
  }

  readonly #onKeptError = (reason: unknown): void => {
    if (this.#keptLease !== undefined) {
      this.#keptLease.broken ??= asError(reason);
      return;
    }
    this.#drop(asError(reason));
  };

  readonly #onKeptEnd = (): void => {
    if (this.#keptLease !== undefined) {
      this.#keptLease.broken ??= new Error("Connection ended");
      return;
    }
    this.#drop(new Error("Connection ended"));
  };

  /** Give the kept client back: to the pool's idle clients, or destroyed when `broken`. */
  #drop(broken: Error | undefined): void {
    const client = this.#kept;
    if (client === undefined) return;
    this.#kept = undefined;
    this.#keptLease = undefined;
    client.off("error", this.#onKeptError);
    client.off("end", this.#onKeptEnd);
    client.release(broken);
  }
}
