/**
 * LISTEN for enqueue notifications over one dedicated connection, outside the pool: a pooled connection goes back
 * to the pool between statements (and, behind PgBouncer in transaction mode, to another server session), so it
 * cannot hold a LISTEN. The connection is opened on the first subscription, reopened with a capped backoff when it
 * drops, and closed with the backend. Notifications are hints; consumers keep polling, so a lost connection only
 * costs latency.
 */
import { createHash, randomBytes } from "node:crypto";
import type pg from "pg";
import { quoteIdent } from "./postgres-connection.js";
import { createPgClient } from "./postgres-multi-host.js";

export interface PostgresListenerOptions {
  /** Where to LISTEN; a direct server address when the pool goes through a transaction-mode pooler. */
  connection: pg.ClientConfig;
  schema: string;
  /** Time allowed to open the connection, ms. */
  connectionTimeoutMs: number;
  /**
   * This store's {@link notifyOrigin}: its own enqueues already woke its consumers in-process, so their
   * notifications are skipped instead of causing a second, usually empty, claim.
   */
  origin?: string;
  /** Told when the connection drops, fails to open, or is back (the store's logger; silent when absent). */
  report?: ListenerReport;
}

/** A sink for the listener's connection events: `(level, fields, message)`. */
export type ListenerReport = (level: "debug" | "warn", fields: Record<string, unknown>, message: string) => void;

const MAX_RECONNECT_DELAY_MS = 5_000;

/**
 * The channel enqueues notify for this schema (`'pgqrs_enqueue_' || md5(schema)`). The payload is the queue id,
 * followed by `@` and the enqueuing store's origin tag when it has one.
 */
export function enqueueChannel(schema: string): string {
  return `pgqrs_enqueue_${createHash("md5").update(schema).digest("hex")}`;
}

/** A tag for one store's notifications, unique enough to tell its own enqueues from other stores'. */
export function notifyOrigin(): string {
  return randomBytes(6).toString("hex");
}

export class PostgresListener {
  readonly #options: PostgresListenerOptions;
  readonly #channel: string;
  /** queue id → callbacks. */
  readonly #subscribers = new Map<number, Set<() => void>>();
  #client: pg.Client | undefined;
  #connecting: Promise<void> | undefined;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #failures = 0;
  /** A connection was in place before: the next one may have missed notifications. */
  #connectedBefore = false;
  #closed = false;

  constructor(options: PostgresListenerOptions) {
    this.#options = options;
    this.#channel = enqueueChannel(options.schema);
  }

  /** Subscribe to a queue; resolves once LISTEN is in place (or failed: polling still works). */
  async subscribe(queueId: number, onNotify: () => void): Promise<() => Promise<void>> {
    let set = this.#subscribers.get(queueId);
    if (set === undefined) {
      set = new Set();
      this.#subscribers.set(queueId, set);
    }
    const callback = () => onNotify();
    set.add(callback);
    await this.#ensureConnected().catch((err: unknown) => this.#failed(err));
    return async () => {
      set.delete(callback);
      if (set.size === 0) this.#subscribers.delete(queueId);
      if (this.#subscribers.size === 0) await this.#disconnect();
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#subscribers.clear();
    await this.#disconnect();
  }

  #ensureConnected(): Promise<void> {
    if (this.#client !== undefined) return Promise.resolve();
    this.#connecting ??= this.#connect().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  async #connect(): Promise<void> {
    if (this.#closed) return;
    // A multi-host DSN LISTENs on the server its target_session_attrs picks (the primary after a failover).
    const client = createPgClient({
      ...this.#options.connection,
      connectionTimeoutMillis: this.#options.connectionTimeoutMs,
    });
    client.on("error", () => this.#lost(client));
    client.on("end", () => this.#lost(client));
    client.on("notification", (msg) => this.#dispatch(msg.payload));
    try {
      await client.connect();
      await client.query(`LISTEN ${quoteIdent(this.#channel)}`);
    } catch (err) {
      client.removeAllListeners("end");
      await client.end().catch(() => undefined);
      throw err;
    }
    if (this.#closed || this.#subscribers.size === 0) {
      await client.end().catch(() => undefined);
      return;
    }
    this.#client = client;
    // Messages enqueued while we were not listening (the connection dropped, or the first attempt failed) would
    // otherwise wait for the next poll. A first connection wakes no one: every subscriber claims after subscribing,
    // and consumers rate-limit their wake-ups, so a needless one would hold back the next real notification.
    const catchUp = this.#failures > 0 || this.#connectedBefore;
    if (catchUp) this.#options.report?.("debug", { failures: this.#failures }, "pgqrs: LISTEN connection is back");
    this.#failures = 0;
    this.#connectedBefore = true;
    if (catchUp) this.#dispatch(undefined);
  }

  #dispatch(payload: string | undefined): void {
    if (payload === undefined || payload === "") {
      for (const set of this.#subscribers.values()) for (const fn of set) fn();
      return;
    }
    for (const part of payload.split(",")) {
      const at = part.indexOf("@");
      if (at >= 0 && this.#options.origin !== undefined && part.slice(at + 1) === this.#options.origin) continue;
      const set = this.#subscribers.get(Number(at >= 0 ? part.slice(0, at) : part));
      if (set !== undefined) for (const fn of set) fn();
    }
  }

  #lost(client: pg.Client): void {
    if (this.#client !== client) return;
    this.#client = undefined;
    client.end().catch(() => undefined);
    this.#options.report?.("warn", {}, "pgqrs: LISTEN connection lost, reconnecting; consumers keep polling");
    this.#scheduleReconnect();
  }

  #failed(err: unknown): void {
    if (!this.#closed) {
      const fields = { failures: this.#failures + 1, err };
      this.#options.report?.("warn", fields, "pgqrs: LISTEN connection failed, retrying; consumers keep polling");
    }
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (this.#closed || this.#subscribers.size === 0 || this.#reconnectTimer !== undefined) return;
    this.#failures += 1;
    const delay = Math.min(MAX_RECONNECT_DELAY_MS, 100 * 2 ** Math.min(this.#failures, 6));
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined;
      this.#ensureConnected().catch((err: unknown) => this.#failed(err));
    }, delay);
    this.#reconnectTimer.unref();
  }

  async #disconnect(): Promise<void> {
    if (this.#reconnectTimer !== undefined) clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = undefined;
    await this.#connecting?.catch(() => undefined);
    const client = this.#client;
    this.#client = undefined;
    if (client !== undefined) {
      client.removeAllListeners("end");
      await client.end().catch(() => undefined);
    }
  }
}
