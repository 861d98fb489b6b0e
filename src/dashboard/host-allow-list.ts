/**
 * Which `Host` headers the dashboard answers, always (loopback bind or not): a DNS-rebinding page reaches the
 * server under its own name (`evil.example:4000` resolving to this machine), so refusing names we do not know
 * stops it from reading or acting, whatever else is configured.
 *
 * Allowed: the loopback names (`localhost`, `127.0.0.1`, `[::1]`), the bound address (for a wildcard bind,
 * `0.0.0.0` or `::`, every address of this machine's interfaces), and each `allowedHosts` entry, all with the
 * bound port. An `allowedHosts` entry may name its own port (`dash.example.com:443`); an entry without a port, or
 * with port 80 or 443, also matches a `Host` with no port, as a reverse proxy on 80/443 forwards it.
 */
import { networkInterfaces } from "node:os";
import { PgqrsError } from "../errors.js";

const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "[::1]"];
/** A Host without a port names one of these (http, https), as a reverse proxy forwards it. */
const DEFAULT_PORTS = new Set([80, 443]);
const WILDCARDS = new Set(["0.0.0.0", "::", "[::]", ""]);
const HOST_HEADER = /^(\[[0-9a-f:.]+\]|[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?)(?::(\d{1,5}))?$/;

/** True when `host` (a bind address) is reachable from this machine only. */
export function isLoopbackBind(host: string): boolean {
  return host === "localhost" || host === "::1" || host === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

interface Entry {
  name: string;
  /** `null`: the bound port, or no port in the header. */
  port: number | null;
}

export class HostAllowList {
  /** Names served with the bound port only. */
  readonly #local: Set<string>;
  readonly #extra: Entry[];
  #port = 0;

  constructor(bindHost: string, allowedHosts: readonly string[]) {
    this.#local = new Set([...LOOPBACK_NAMES, ...boundNames(bindHost)]);
    this.#extra = allowedHosts.map(parseEntry);
  }

  /** The port actually bound (known after `listen`, when port 0 was asked for). */
  setPort(port: number): void {
    this.#port = port;
  }

  /** `null` when the `Host` header is served, otherwise why not (without echoing the header). */
  check(header: string | undefined): string | null {
    const m = HOST_HEADER.exec((header ?? "").toLowerCase());
    if (m === null) return "Missing or malformed Host header";
    const name = m[1] ?? "";
    const port = m[2] === undefined ? null : Number(m[2]);
    if (this.#local.has(name) && (port ?? 80) === this.#port) return null;
    for (const e of this.#extra) {
      if (e.name !== name) continue;
      if (
        e.port === null
          ? port === null || port === this.#port
          : port === e.port || (port === null && DEFAULT_PORTS.has(e.port))
      )
        return null;
    }
    return `This host name is not served; use http://127.0.0.1:${this.#port} or add it with --allowed-host`;
  }
}

function boundNames(bindHost: string): string[] {
  const host = bindHost.toLowerCase();
  if (!WILDCARDS.has(host)) return [host.includes(":") && !host.startsWith("[") ? `[${host}]` : host];
  const v6 = host.includes(":");
  const names: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.family === "IPv4") names.push(a.address);
      else if (v6) names.push(`[${a.address.replace(/%.*$/, "")}]`);
    }
  }
  return names;
}

function parseEntry(text: string): Entry {
  const m = HOST_HEADER.exec(text.trim().toLowerCase());
  const port = m?.[2] === undefined ? null : Number(m[2]);
  if (m === null || (port !== null && (port < 1 || port > 65_535))) {
    throw new PgqrsError(
      "INVALID_CONFIG",
      `Invalid allowed host '${text}': expected a host name or address, optionally with :port (dash.example.com:443)`,
    );
  }
  return { name: m[1] ?? "", port };
}
