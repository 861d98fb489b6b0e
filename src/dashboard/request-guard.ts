/**
 * Who may read and who may write.
 *
 * - Every request: its `Host` must be on the allow-list ({@link HostAllowList}), on every bind, so a DNS-rebinding
 *   page (evil.example resolving to this machine) can neither read nor write.
 * - With a token (required beyond loopback): every request, reads and assets included, must carry it as a bearer
 *   header or the login session cookie ({@link SessionAuth}); browsers without one are sent to the login page.
 * - Writes: POST only. A browser's `Origin` / `Sec-Fetch-Site`, when sent, must say same-origin; and the write
 *   carries the per-process CSRF secret that only pages of this server contain (cross-origin pages cannot read
 *   them), unless it is authenticated by a bearer token (which browsers never add on their own). No CORS headers
 *   are ever sent. Secrets are compared in constant time.
 */
import { randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { PgqrsError } from "../errors.js";
import { HostAllowList, isLoopbackBind } from "./host-allow-list.js";
import { SessionAuth, sameSecret } from "./session-auth.js";

export { sameSecret };

export interface GuardOptions {
  /** The bind address. */
  host: string;
  token: string | undefined;
  /** Extra `Host` names to serve (a reverse proxy's public name, a DNS name of this machine). */
  allowedHosts?: readonly string[];
}

export class RequestGuard {
  /** Embedded in every page and required on every browser write. */
  readonly csrf = randomBytes(24).toString("base64url");
  readonly auth: SessionAuth;
  readonly #hosts: HostAllowList;

  constructor(options: GuardOptions) {
    const token = options.token === "" ? undefined : options.token;
    if (token === undefined && !isLoopbackBind(options.host)) {
      throw new PgqrsError(
        "INVALID_CONFIG",
        `The dashboard refuses to listen on ${options.host} without a token: anyone who can reach it could read ` +
          "every payload and act. Set PGQRS_DASHBOARD_TOKEN (or --token) to a long random secret, or bind to 127.0.0.1",
        { details: { option: "token" } },
      );
    }
    this.auth = new SessionAuth(token);
    this.#hosts = new HostAllowList(options.host, options.allowedHosts ?? []);
  }

  get tokenRequired(): boolean {
    return this.auth.required;
  }

  /** The port actually bound (for the Host check when port 0 was asked for). */
  setPort(port: number): void {
    this.#hosts.setPort(port);
  }

  /** `null` when the Host header is acceptable, otherwise why not. */
  checkHost(req: IncomingMessage): string | null {
    return this.#hosts.check(req.headers.host);
  }

  /** `null` when the request comes from a page of this origin (or from no page at all), otherwise why not. */
  checkSameOrigin(req: IncomingMessage): string | null {
    const site = header(req, "sec-fetch-site");
    if (site !== undefined && site !== "same-origin" && site !== "none") return "Cross-site request refused";
    const origin = header(req, "origin");
    if (origin !== undefined && origin !== "null") {
      let originHost = "";
      try {
        originHost = new URL(origin).host;
      } catch {
        // An unparsable Origin is refused below.
      }
      if (originHost !== (req.headers.host ?? "").toLowerCase()) return "Cross-origin request refused";
    }
    return null;
  }

  /** `null` when a write may proceed, otherwise the status and reason to refuse it (auth is checked before). */
  checkWrite(req: IncomingMessage, form: URLSearchParams): { status: 403; reason: string } | null {
    const crossSite = this.checkSameOrigin(req);
    if (crossSite !== null) return { status: 403, reason: crossSite };
    if (this.auth.hasBearer(req)) return null;
    const csrf = header(req, "x-pgqrs-csrf") ?? form.get("csrf") ?? "";
    if (!sameSecret(csrf, this.csrf)) return { status: 403, reason: "Missing or stale page secret; reload the page" };
    return null;
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
