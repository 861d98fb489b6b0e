/**
 * The shape of a node-postgres pool that `connect(dsn, { pool })` accepts. A `pg.Pool` satisfies it as is; it is
 * declared here so that pgqrs's published types never import `pg` (a SQLite user does not install it).
 */

/** A client checked out of a {@link PgPoolLike}: what pgqrs calls on it. A `pg.PoolClient` satisfies it. */
export interface PgPoolClientLike {
  /** Run one statement (`pg.PoolClient.query`). */
  query(text: string): Promise<unknown>;
  /** Give the client back to its pool; an error (or `true`) destroys it instead. */
  release(err?: Error | boolean): void;
}

/**
 * A node-postgres `Pool` of your own (PostgreSQL only): pgqrs checks clients out of it and never ends it. Any
 * `pg.Pool` (node-postgres 8) fits; settings such as `max` and `connectionTimeoutMillis` are yours.
 */
export interface PgPoolLike {
  /** Check out one client. */
  connect(): Promise<PgPoolClientLike>;
  /** Close every client (called only on pools pgqrs created itself). */
  end(): Promise<void>;
}
