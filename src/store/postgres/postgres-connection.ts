/**
 * The one gateway every Postgres statement of a backend goes through: it owns (or borrows) the pool, refuses work
 * after `close()`, names prepared statements per schema, parses result types without touching the global
 * `pg.types` registry, and translates every failure into a {@link PgqrsError}.
 */
import { createHash } from "node:crypto";
import type pg from "pg";
import { maskDsn } from "../../config.js";
import { PgqrsError, storeClosed } from "../../errors.js";
import { type ClientLease, ClientLeases } from "./postgres-client-leases.js";
import { connectionError, errorCode, RETRYABLE_SQLSTATES, translatePgError } from "./postgres-errors.js";
import { RESULT_TYPES } from "./postgres-result-types.js";

/** Attempts of a transaction that hit a deadlock or serialization failure. */
const TRANSACTION_ATTEMPTS = 3;

export interface PostgresConnectionOptions {
  pool: pg.Pool;
  /** We created the pool and end it on close. */
  ownsPool: boolean;
  schema: string;
  /** Masked DSN, for error messages. */
  target: string;
  /**
   * Use named (server-side prepared) statements on the hot paths. Default: on, unless the pool's connection
   * string says `prepare=false` (or `0`/`off`/`no`). Turn it off behind PgBouncer in transaction mode before 1.21
   * (or without `max_prepared_statements`): there a statement prepared on one server connection is missing on the
   * next, and every named statement would fail with `prepared statement … does not exist`.
   */
  namedStatements?: boolean;
}

export type Row = Record<string, unknown>;

/** Something statements can run on: the pool or a client inside a transaction. */
export interface Queryable {
  query<R extends Row = Row>(operation: string, text: string, values?: readonly unknown[]): Promise<R[]>;
  /** A named (server-side prepared) statement; for the hot paths. */
  prepared<R extends Row = Row>(name: string, text: string, values: readonly unknown[]): Promise<R[]>;
}

/** Quote an identifier once, doubling embedded quotes. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export class PostgresConnection implements Queryable {
  readonly schema: string;
  /** The quoted schema, to prefix every table name (no search_path: PgBouncer transaction mode). */
  readonly q: string;
  readonly target: string;
  readonly #pool: pg.Pool;
  readonly #ownsPool: boolean;
  readonly #leases: ClientLeases;
  /** Prepared-statement names must differ per statement text, and two schemas may share one pool. */
  readonly #statementPrefix: string;
  readonly #namedStatements: boolean;
  #closing: Promise<void> | undefined;

  constructor(opts: PostgresConnectionOptions) {
    this.schema = opts.schema;
    this.q = quoteIdent(opts.schema);
    this.target = opts.target;
    this.#pool = opts.pool;
    this.#ownsPool = opts.ownsPool;
    this.#leases = new ClientLeases(opts.pool, opts.ownsPool);
    this.#statementPrefix = `pgqrs_${createHash("sha256").update(opts.schema).digest("hex").slice(0, 12)}_`;
    this.#namedStatements = opts.namedStatements ?? namedStatementsAllowed(poolConnectionString(opts.pool));
  }

  /** `<schema>.<table>`. */
  t(table: string): string {
    return `${this.q}.${quoteIdent(table)}`;
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  async query<R extends Row = Row>(operation: string, text: string, values: readonly unknown[] = []): Promise<R[]> {
    const config: StatementConfig = { text, values: values as unknown[], types: RESULT_TYPES };
    return this.#withClient(operation, (client) => runOn<R>(client, config, operation, this));
  }

  /** The server-side name of a prepared statement of this schema. */
  statementName(name: string): string {
    return this.#statementPrefix + name;
  }

  /**
   * The query config of a hot-path statement (named, or unnamed when named statements are off), built once and
   * handed to the driver as is. The values are not copied: the driver only reads them, and every caller builds
   * them for this one statement.
   */
  statementConfig(name: string, text: string, values: readonly unknown[]): StatementConfig {
    return this.#namedStatements
      ? { name: this.#statementPrefix + name, text, values: values as unknown[], types: RESULT_TYPES }
      : { text, values: values as unknown[], types: RESULT_TYPES };
  }

  prepared<R extends Row = Row>(name: string, text: string, values: readonly unknown[]): Promise<R[]> {
    const config = this.statementConfig(name, text, values);
    // The kept client idle (a caller running one statement at a time): the statement straight on it, without the
    // async frames of the general path (they cost a sequential enqueue a few per cent).
    const lease = this.closed ? undefined : this.#leases.take();
    if (lease !== undefined) return this.#onKept<R>(lease, config, name);
    return this.#withClient(name, (client) => runOn<R>(client, config, name, this));
  }

  /** One statement on the kept client's lease, as {@link PostgresConnection.#withClient} would run it. */
  #onKept<R extends Row>(lease: ClientLease, config: StatementConfig, operation: string): Promise<R[]> {
    let sent: Promise<pg.QueryResult<R>>;
    try {
      sent = lease.client.query<R>(config);
    } catch (err) {
      sent = Promise.reject(err);
    }
    return sent.then(
      (result) => {
        this.#leases.release(lease);
        return result.rows;
      },
      (err: unknown) => {
        const failure = translatePgError(err, operation, this.target);
        markIfUnusable(lease, failure);
        this.#leases.release(lease);
        throw failure;
      },
    );
  }

  /**
   * Run `fn` in one transaction on one client. Deadlocks and serialization failures roll back and retry the
   * whole function (it must therefore only touch the database through the given Queryable).
   */
  async transaction<T>(operation: string, fn: (tx: Queryable) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#withClient(operation, async (client, discard) => {
          const tx = new ClientQueryable(client, this);
          await runOn(client, BEGIN, operation, this);
          try {
            const result = await fn(tx);
            await runOn(client, COMMIT, operation, this);
            return result;
          } catch (err) {
            // A client whose ROLLBACK failed may still be inside the transaction; never hand it out again.
            await client.query("ROLLBACK").catch(discard);
            throw err;
          }
        });
      } catch (err) {
        const code = err instanceof PgqrsError ? errorCode(err.cause) : undefined;
        if (code === undefined || !RETRYABLE_SQLSTATES.has(code) || attempt >= TRANSACTION_ATTEMPTS) throw err;
      }
    }
  }

  /** Acquire one client, failing with CONNECTION_FAILED when none can be had. */
  async ping(): Promise<void> {
    await this.query("connect", "SELECT 1");
  }

  async close(): Promise<void> {
    if (this.#closing === undefined) {
      this.#leases.close();
      this.#closing = this.#ownsPool ? this.#pool.end() : Promise.resolve();
    }
    await this.#closing;
  }

  async #withClient<T>(
    operation: string,
    fn: (client: pg.PoolClient, discard: (reason: unknown) => void) => Promise<T>,
  ): Promise<T> {
    if (this.closed) throw storeClosed(operation);
    let lease: ClientLease | undefined = this.#leases.take();
    if (lease === undefined) {
      try {
        lease = await this.#leases.checkout();
      } catch (err) {
        throw connectionError(err, this.target);
      }
    }
    const held = lease;
    // A session that failed mid-statement, or whose ROLLBACK failed: the client is destroyed on release.
    const discard = (reason: unknown) => {
      held.broken = reason instanceof Error ? reason : new Error(String(reason));
    };
    try {
      // A session that died while the client was held (see ClientLeases) fails here with CONNECTION_FAILED.
      return await fn(held.client, discard);
    } catch (err) {
      if (err instanceof PgqrsError) markIfUnusable(held, err);
      throw err;
    } finally {
      this.#leases.release(held);
    }
  }
}

/**
 * A connection-level failure leaves the socket unusable: the client is destroyed on release instead of returned to
 * the pool. So is a session on a server that turned out read-only: its replacement goes through host selection again.
 */
function markIfUnusable(lease: ClientLease, failure: PgqrsError): void {
  if (failure.code === "CONNECTION_FAILED" || failure.code === "READ_ONLY") lease.broken ??= failure;
}

class ClientQueryable implements Queryable {
  readonly #client: pg.PoolClient;
  readonly #conn: PostgresConnection;

  constructor(client: pg.PoolClient, conn: PostgresConnection) {
    this.#client = client;
    this.#conn = conn;
  }

  query<R extends Row = Row>(operation: string, text: string, values: readonly unknown[] = []): Promise<R[]> {
    return runOn<R>(this.#client, { text, values: values as unknown[], types: RESULT_TYPES }, operation, this.#conn);
  }

  prepared<R extends Row = Row>(name: string, text: string, values: readonly unknown[]): Promise<R[]> {
    return runOn<R>(this.#client, this.#conn.statementConfig(name, text, values), name, this.#conn);
  }
}

/** A statement as the driver takes it, with this package's result parsers. */
interface StatementConfig {
  name?: string;
  text: string;
  values?: unknown[];
  types: pg.CustomTypesConfig;
}

const BEGIN: StatementConfig = { text: "BEGIN", types: RESULT_TYPES };
const COMMIT: StatementConfig = { text: "COMMIT", types: RESULT_TYPES };

async function runOn<R extends Row>(
  client: pg.PoolClient,
  config: StatementConfig,
  operation: string,
  conn: PostgresConnection,
): Promise<R[]> {
  try {
    const result = await client.query<R>(config);
    return result.rows;
  } catch (err) {
    throw translatePgError(err, operation, conn.target);
  }
}

/**
 * One unnamed statement on a client this package does not own (the application's transaction, `EnqueueParams.tx`),
 * with this package's result parsing and error translation. Unnamed: nothing is left prepared on that connection.
 */
export async function runOnClient(
  client: { query(config: { text: string; values: unknown[] }): Promise<{ rows: Row[] }> },
  text: string,
  values: readonly unknown[],
  operation: string,
  conn: PostgresConnection,
): Promise<Row[]> {
  try {
    const result = await client.query({ text, values: [...values], types: RESULT_TYPES } as {
      text: string;
      values: unknown[];
    });
    return result.rows;
  } catch (err) {
    throw translatePgError(err, operation, conn.target);
  }
}

/** The connection string a pool was made with, if any (node-postgres keeps its options on the pool). */
function poolConnectionString(pool: pg.Pool): string | undefined {
  const options = (pool as { options?: { connectionString?: unknown } }).options;
  return typeof options?.connectionString === "string" ? options.connectionString : undefined;
}

/** False when the DSN carries `prepare=false` (also `0`, `off`, `no`); node-postgres ignores the parameter. */
export function namedStatementsAllowed(connectionString: string | undefined): boolean {
  if (connectionString === undefined) return true;
  const q = connectionString.indexOf("?");
  if (q < 0) return true;
  const value = new URLSearchParams(connectionString.slice(q + 1)).get("prepare");
  return value === null || !/^(false|0|off|no)$/i.test(value.trim());
}

/** A DSN for messages and logs, with every password masked (see `maskDsn`). */
export function maskConnectionString(dsn: string): string {
  return maskDsn(dsn);
}

/** A masked DSN for messages; never shows a password. */
export function describeTarget(connectionString: string | undefined, schema: string): string {
  const where = connectionString === undefined ? "user-supplied pool" : maskConnectionString(connectionString);
  return `${where} (schema ${schema})`;
}
