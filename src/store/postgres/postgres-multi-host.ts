/**
 * Host selection for multi-host DSNs (see postgres-multi-host-dsn.ts), which node-postgres does not do itself: a
 * `pg.Client` subclass that connects to the server the selector picked and checks, on the connection itself, that
 * it is the kind `target_session_attrs` asks for. The pool (and the LISTEN connection) make clients of this class,
 * so a connection that broke when the primary went away is replaced by one to whichever server is the primary now:
 * producers and workers carry on after a standby is promoted, without a restart.
 *
 * The selector remembers the server that last passed the check and connects there directly; when a connection to
 * it fails, is refused or lands on the wrong kind of server, the next connection scans the list in order (libpq's
 * rule) with short-lived probe connections. No server fitting: the failure is CONNECTION_FAILED with SQLSTATE
 * 08001, which the connect retries (postgres-connect-retry.ts) treat as transient: a promotion under way is waited
 * for within `connectionTimeoutSeconds`.
 */
import type pg from "pg";
import { pgDriver } from "./pg-driver.js";
import {
  describeHosts,
  isKeywordDsn,
  type PgHost,
  type PgTargets,
  parsePgTargets,
  type TargetSessionAttrs,
} from "./postgres-multi-host-dsn.js";

/** One statement tells every kind apart. */
const ROLE_SQL =
  "SELECT pg_catalog.pg_is_in_recovery() AS standby, pg_catalog.current_setting('transaction_read_only') = 'on' AS ro";

interface Role {
  standby: boolean;
  ro: boolean;
}

/** Probe timeout when the pool sets none, ms. */
const DEFAULT_PROBE_TIMEOUT_MS = 10_000;

function fits(attrs: TargetSessionAttrs, role: Role, pass: "first" | "fallback"): boolean {
  switch (attrs) {
    case "any":
      return true;
    case "read-write":
      return !role.standby && !role.ro;
    case "read-only":
      return role.standby || role.ro;
    case "primary":
      return !role.standby;
    case "standby":
      return role.standby;
    case "prefer-standby":
      return pass === "fallback" || role.standby;
  }
}

async function roleOf(client: pg.Client): Promise<Role> {
  const { rows } = await client.query<Role>(ROLE_SQL);
  return rows[0] ?? { standby: false, ro: false };
}

/** The error of a list with no fitting server: SQLSTATE 08001 (unable to establish a connection). */
function noServer(targets: PgTargets, last: unknown): Error {
  const why = last instanceof Error ? ` (last failure: ${last.message})` : "";
  // `any` and `prefer-standby` take any server that answers: no kind to name ("accepts a session").
  const kind = targets.attrs === "any" || targets.attrs === "prefer-standby" ? "" : `${targets.attrs} `;
  const err = new Error(
    `no server of ${describeHosts(targets.hosts)} accepts a ${kind}session${why}; ` +
      (targets.attrs === "read-write" || targets.attrs === "primary"
        ? "the primary may be down and no standby promoted yet"
        : "check that the servers are up"),
  ) as Error & { code: string };
  err.code = "08001";
  return err;
}

/** Picks the server for each new connection; one per DSN and process. */
class HostSelector {
  readonly #targets: PgTargets;
  #preferred: PgHost | undefined;
  #scan: Promise<PgHost> | undefined;

  constructor(targets: PgTargets) {
    this.#targets = targets;
  }

  get targets(): PgTargets {
    return this.#targets;
  }

  /** The server to connect to: the last one that fitted, else the first fitting one of a scan in order. */
  choose(config: pg.ClientConfig): Promise<PgHost> {
    if (this.#preferred !== undefined) return Promise.resolve(this.#preferred);
    this.#scan ??= this.#scanHosts(config).finally(() => {
      this.#scan = undefined;
    });
    return this.#scan;
  }

  /** A connection to `host` fitted. */
  confirm(host: PgHost): void {
    this.#preferred = host;
  }

  /** A connection to `host` failed or did not fit: the next one scans again. */
  forget(host: PgHost): void {
    if (this.#preferred === host) this.#preferred = undefined;
  }

  async #scanHosts(config: pg.ClientConfig): Promise<PgHost> {
    const { hosts, attrs } = this.#targets;
    let last: unknown;
    for (const pass of attrs === "prefer-standby" ? (["first", "fallback"] as const) : (["first"] as const)) {
      for (const host of hosts) {
        const probe = new (pgDriver().Client)(config);
        aimAt(probe, host);
        probe.on("error", () => undefined);
        try {
          await probe.connect();
          if (attrs === "any" || fits(attrs, await roleOf(probe), pass)) {
            this.#preferred = host;
            return host;
          }
        } catch (err) {
          last = err;
        } finally {
          await probe.end().catch(() => undefined);
        }
      }
    }
    throw noServer(this.#targets, last);
  }
}

/**
 * Point a client not yet connected at `host`. The DSN's own host would win over a `host` setting (node-postgres
 * lets the connection string override the other settings), so the parsed values are replaced instead.
 */
function aimAt(client: pg.Client, host: PgHost): void {
  client.host = host.host;
  client.port = host.port;
  // node-postgres reads the startup settings (and the TLS server name) from here.
  const params = (client as unknown as { connectionParameters: { host: string; port: number } }).connectionParameters;
  params.host = host.host;
  params.port = host.port;
}

const selectors = new Map<string, HostSelector>();

function selectorFor(targets: PgTargets): HostSelector {
  const key = `${targets.attrs} ${describeHosts(targets.hosts)} ${targets.connectionString}`;
  let selector = selectors.get(key);
  if (selector === undefined) {
    selector = new HostSelector(targets);
    selectors.set(key, selector);
  }
  return selector;
}

type Callback = ((err: Error) => void) | ((err: null, c: pg.Client) => void);

/** A `pg.Client` class whose instances connect to the server `selector` picks, checked by kind. */
function clientClass(selector: HostSelector): typeof pg.Client {
  const Base = pgDriver().Client;
  const { attrs } = selector.targets;
  class MultiHostClient extends Base {
    readonly #config: pg.ClientConfig;

    constructor(config?: string | pg.ClientConfig) {
      const c: pg.ClientConfig = typeof config === "string" ? { connectionString: config } : { ...config };
      super({ ...c, connectionString: selector.targets.connectionString });
      this.#config = { ...c, connectionString: selector.targets.connectionString };
    }

    override connect(): Promise<pg.Client>;
    override connect(callback: Callback): void;
    override connect(callback?: Callback): Promise<pg.Client> | undefined {
      const done = this.#select().then(() => this as pg.Client);
      if (callback === undefined) return done;
      done.then(
        (client) => (callback as (err: null, c: pg.Client) => void)(null, client),
        (err: unknown) => (callback as (err: Error) => void)(err instanceof Error ? err : new Error(String(err))),
      );
      return undefined;
    }

    async #select(): Promise<void> {
      const timeoutMs = this.#config.connectionTimeoutMillis || DEFAULT_PROBE_TIMEOUT_MS;
      const probeConfig = { ...this.#config, connectionTimeoutMillis: timeoutMs };
      const host = await selector.choose(probeConfig);
      aimAt(this, host);
      // A session that ends later (the server died, was cut off) sends the next connection through a scan.
      this.on("error", () => selector.forget(host));
      try {
        await super.connect();
      } catch (err) {
        selector.forget(host);
        throw err;
      }
      if (attrs !== "any") {
        let role: Role;
        try {
          role = await roleOf(this);
        } catch (err) {
          selector.forget(host);
          await this.end().catch(() => undefined);
          throw err;
        }
        // The preferred server changed kind since it was picked (a switchover): a later connection scans again.
        if (!fits(attrs, role, "fallback")) {
          selector.forget(host);
          await this.end().catch(() => undefined);
          throw noServer(selector.targets, new Error(`${host.host}:${host.port} is not a ${attrs} server`));
        }
        // prefer-standby on a primary: this session is fine, but the next connection looks for a standby again.
        if (attrs === "prefer-standby" && !role.standby) {
          selector.forget(host);
          return;
        }
      }
      selector.confirm(host);
    }
  }
  return MultiHostClient as unknown as typeof pg.Client;
}

/** What node-postgres needs for a DSN: its settings and, for a multi-host DSN, the client class that selects. */
export interface PgClientSetup {
  config: pg.ClientConfig;
  /** Undefined for a plain single-host URL DSN: node-postgres' own `Client`. */
  Client: typeof pg.Client | undefined;
}

/** The node-postgres settings and client class of `dsn` (INVALID_CONFIG for a malformed multi-host DSN). */
export function pgClientSetup(dsn: string): PgClientSetup {
  const targets = parsePgTargets(dsn);
  if (targets === undefined) return { config: { connectionString: dsn }, Client: undefined };
  // One host of a URL, re-encoded only (see parsePgTargets): node-postgres' own client, nothing to select.
  if (targets.hosts.length === 1 && targets.attrs === "any" && !isKeywordDsn(dsn)) {
    return { config: { connectionString: targets.connectionString }, Client: undefined };
  }
  return { config: { connectionString: targets.connectionString }, Client: clientClass(selectorFor(targets)) };
}

/** A pool for `dsn`, selecting hosts when it names several (or asks for a kind of server). */
export function createPgPool(options: pg.PoolConfig & { connectionString: string | undefined }): pg.Pool {
  const { Pool } = pgDriver();
  if (options.connectionString === undefined) return new Pool(options);
  const { config, Client } = pgClientSetup(options.connectionString);
  return new Pool({ ...options, ...config, ...(Client === undefined ? {} : { Client }) });
}

/** A client for `config` (the LISTEN connection): multi-host DSNs get the selecting client class. */
export function createPgClient(config: pg.ClientConfig): pg.Client {
  if (typeof config.connectionString !== "string") return new (pgDriver().Client)(config);
  const { config: base, Client } = pgClientSetup(config.connectionString);
  return new (Client ?? pgDriver().Client)({ ...config, ...base });
}
