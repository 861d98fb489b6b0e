/**
 * Multi-host PostgreSQL DSNs, read by libpq's rules (node-postgres reads neither form): the URL form
 * `postgresql://user@host1:5432,host2:5433/db?target_session_attrs=read-write` and the keyword form
 * `host=host1,host2 port=5432,5433 dbname=db user=u target_session_attrs=read-write`. The hosts are tried in order
 * (see postgres-multi-host-client.ts); this file only reads the DSN into the host list, the wanted session kind and
 * a single-host URL that node-postgres parses for everything else (user, password, database, ssl, options, …).
 */
import { maskDsn } from "../../config/dsn-mask.js";
import { PgqrsError } from "../../errors.js";

/**
 * libpq's `target_session_attrs`: which server of the list a session must land on. `any` (default): the first that
 * accepts the connection; `read-write`: one whose sessions can write (not a standby, `transaction_read_only` off);
 * `read-only`: the reverse; `primary`/`standby`: by `pg_is_in_recovery()`; `prefer-standby`: a standby if any
 * answers, else any server.
 */
export type TargetSessionAttrs = "any" | "read-write" | "read-only" | "primary" | "standby" | "prefer-standby";

const ATTRS: readonly TargetSessionAttrs[] = ["any", "read-write", "read-only", "primary", "standby", "prefer-standby"];

/** One server of the list. `host` is a name, an IP address (IPv6 without brackets) or a Unix socket directory. */
export interface PgHost {
  host: string;
  port: number;
}

/** What a multi-host DSN names. */
export interface PgTargets {
  /** The servers, in the order they are tried (at least one). */
  hosts: PgHost[];
  attrs: TargetSessionAttrs;
  /**
   * A single-host URL DSN with the same user, password, database and other parameters (the first host, no
   * `target_session_attrs`), for node-postgres to parse; the host and port are set per connection.
   */
  connectionString: string;
}

const DEFAULT_PORT = 5432;
const DEFAULT_HOST = "localhost";

/** True for a libpq keyword/value DSN (`host=… dbname=…`) rather than a URL. */
export function isKeywordDsn(dsn: string): boolean {
  return /^\s*[A-Za-z_]+\s*=/.test(dsn);
}

/**
 * The targets of a DSN that needs host selection: a keyword/value DSN, a URL with several hosts, or one with
 * `target_session_attrs` other than `any`; also a single-host URL whose password holds `?` or `#`, which libpq
 * reads and node-postgres does not (its `connectionString` has them percent-encoded). `undefined` for a plain
 * single-host URL (node-postgres reads it as is).
 * INVALID_CONFIG for a malformed list or an unknown `target_session_attrs`.
 */
export function parsePgTargets(dsn: string): PgTargets | undefined {
  const fields = isKeywordDsn(dsn) ? keywordFields(dsn) : urlFields(dsn);
  if (fields === undefined) return undefined;
  const { params } = fields;
  const attrsValue = params.get("target_session_attrs") ?? "any";
  params.delete("target_session_attrs");
  const attrs = ATTRS.find((a) => a === attrsValue.trim().toLowerCase());
  if (attrs === undefined) {
    throw invalid(dsn, `target_session_attrs must be one of ${ATTRS.join(", ")} (got "${attrsValue}")`);
  }
  const hostList = params.get("host") ?? params.get("hostaddr") ?? fields.hosts;
  const portList = params.get("port") ?? fields.ports;
  for (const k of ["host", "hostaddr", "port"]) params.delete(k);
  const hosts = hostsOf(dsn, hostList, portList);
  if (!fields.keyword && hosts.length === 1 && attrs === "any" && !fields.reencode) return undefined;
  const first = hosts[0] as PgHost;
  const auth =
    fields.user === "" && fields.password === undefined
      ? ""
      : `${encodeURIComponent(fields.user)}${fields.password === undefined ? "" : `:${encodeURIComponent(fields.password)}`}@`;
  const hostPart = first.host.startsWith("/") ? "" : `${urlHost(first.host)}:${first.port}`;
  if (first.host.startsWith("/")) params.set("host", first.host);
  const query = params.toString();
  const connectionString = `postgresql://${auth}${hostPart}/${encodeURIComponent(fields.database)}${query === "" ? "" : `?${query}`}`;
  return { hosts, attrs, connectionString };
}

interface DsnFields {
  keyword: boolean;
  /** A URL whose user info holds `?` or `#`: node-postgres would read them as the query or fragment. */
  reencode: boolean;
  user: string;
  password: string | undefined;
  /** Comma-separated, as written. */
  hosts: string;
  ports: string;
  database: string;
  /** Every other parameter (URL query or keyword), decoded. */
  params: URLSearchParams;
}

function urlFields(dsn: string): DsnFields | undefined {
  const scheme = /^postgres(?:ql)?:\/\//i.exec(dsn);
  if (scheme === null) return undefined;
  const rest = dsn.slice(scheme[0].length);
  // As libpq reads it, the user info ends at an `@` met before the first `/`, so a password may hold `?` or `#`
  // (the last such `@`: one in the password keeps the password whole).
  const slash0 = rest.indexOf("/");
  const at = (slash0 < 0 ? rest : rest.slice(0, slash0)).lastIndexOf("@");
  const userInfo = at < 0 ? "" : rest.slice(0, at);
  const tail = rest.slice(at + 1).replace(/#.*$/, "");
  const q = tail.indexOf("?");
  const afterAt = q < 0 ? tail : tail.slice(0, q);
  const params = new URLSearchParams(q < 0 ? "" : tail.slice(q + 1));
  const slash = afterAt.indexOf("/");
  const netloc = slash < 0 ? afterAt : afterAt.slice(0, slash);
  const database = slash < 0 ? "" : decode(dsn, afterAt.slice(slash + 1));
  const colon = userInfo.indexOf(":");
  const user = decode(dsn, colon < 0 ? userInfo : userInfo.slice(0, colon));
  const password = colon < 0 ? undefined : decode(dsn, userInfo.slice(colon + 1));
  const hosts: string[] = [];
  const ports: string[] = [];
  for (const entry of netloc.split(",")) {
    const m = /^(\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(entry);
    hosts.push(decode(dsn, (m?.[1] ?? "").replace(/^\[|\]$/g, "")));
    ports.push(m?.[2] ?? "");
  }
  const user2 = params.get("user");
  const password2 = params.get("password");
  const database2 = params.get("dbname");
  for (const k of ["user", "password", "dbname"]) params.delete(k);
  return {
    keyword: false,
    reencode: /[?#]/.test(userInfo),
    user: user2 ?? user,
    password: password2 ?? password,
    hosts: hosts.join(","),
    ports: ports.join(","),
    database: database2 ?? database,
    params,
  };
}

function keywordFields(dsn: string): DsnFields {
  const params = new URLSearchParams();
  // key = value, the value unquoted (no spaces) or single-quoted with \' and \\ escapes.
  const re = /\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*('(?:[^'\\]|\\.)*'|[^\s']*)/gy;
  let pos = 0;
  for (let m = re.exec(dsn); m !== null; m = re.exec(dsn)) {
    const raw = m[2] ?? "";
    params.set((m[1] as string).toLowerCase(), raw.startsWith("'") ? raw.slice(1, -1).replace(/\\(.)/g, "$1") : raw);
    pos = re.lastIndex;
  }
  // The unread text is not repeated: it may be the rest of an unquoted password that holds a space.
  if (dsn.slice(pos).trim() !== "") {
    throw invalid(dsn, `cannot read it from character ${pos + 1} on (quote a value that holds spaces: key='a b')`);
  }
  const take = (k: string): string | undefined => {
    const v = params.get(k) ?? undefined;
    params.delete(k);
    return v;
  };
  return {
    keyword: true,
    reencode: false,
    user: take("user") ?? "",
    password: take("password"),
    hosts: take("host") ?? take("hostaddr") ?? "",
    ports: take("port") ?? "",
    database: take("dbname") ?? "",
    params,
  };
}

function hostsOf(dsn: string, hostList: string, portList: string): PgHost[] {
  const names = hostList.split(",").map((h) => h.trim());
  const ports = portList.split(",").map((p) => p.trim());
  if (ports.length !== 1 && ports.length !== names.length) {
    throw invalid(dsn, `${names.length} hosts but ${ports.length} ports (give one port for all, or one per host)`);
  }
  return names.map((name, i) => {
    const p = ports.length === 1 ? (ports[0] as string) : (ports[i] as string);
    const port = p === "" ? DEFAULT_PORT : Number(p);
    // The text is not repeated: a password with an unencoded `/` reads as `host:port` (libpq reads it so too).
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw invalid(dsn, "a port is not a number from 1 to 65535 (percent-encode / ? # @ : in a password)");
    }
    return { host: name === "" ? DEFAULT_HOST : name, port };
  });
}

function urlHost(host: string): string {
  return host.includes(":") ? `[${host}]` : encodeURIComponent(host);
}

function decode(dsn: string, s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    // The part may be a password: never repeated.
    throw invalid(dsn, "a part of the URL is not valid percent-encoding");
  }
}

function invalid(dsn: string, reason: string): PgqrsError {
  return new PgqrsError("INVALID_CONFIG", `Invalid configuration value for dsn: ${reason}. DSN: ${maskDsn(dsn)}`, {
    details: { field: "dsn" },
  });
}

/** `host1:5432,host2:5433`, for messages. */
export function describeHosts(hosts: readonly PgHost[]): string {
  return hosts.map((h) => `${h.host.includes(":") ? `[${h.host}]` : h.host}:${h.port}`).join(",");
}
