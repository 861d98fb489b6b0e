/**
 * Who may read and who may write.
 *
 * - Reads: open, but when bound to a loopback address only requests whose `Host` names that loopback address are
 *   served, so a DNS-rebinding page (evil.example resolving to 127.0.0.1) can neither read nor write.
 * - Writes: POST only, and every write carries the per-process CSRF secret that only pages of this server
 *   contain (cross-origin pages cannot read them), plus the token when one is set. A browser's `Origin` /
 *   `Sec-Fetch-Site`, when sent, must say same-origin. No CORS headers are ever sent. Secrets are compared in
 *   constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

export interface GuardOptions {
  host: string;
  token: string | undefined;
}

export class RequestGuard {
  /** Embedded in every page and required on every write. */
  readonly csrf = randomBytes(24).toString("base64url");
  readonly #token: string | undefined;
  readonly #loopbackOnly: boolean;
  #port = 0;

  constructor(options: GuardOptions) {
    this.#token = options.token === "" ? undefined : options.token;
    this.#loopbackOnly = LOOPBACK.has(options.host);
  }

  get tokenRequired(): boolean {
    return this.#token !== undefined;
  }

  /** The port actually bound (for the Host check when port 0 was asked for). */
  setPort(port: number): void {
    this.#port = port;
  }

  /** `null` when the Host header is acceptable, otherwise why not. */
  checkHost(req: IncomingMessage): string | null {
    if (!this.#loopbackOnly) return null;
    const host = req.headers.host ?? "";
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host);
    if (m === null || !LOOPBACK.has(m[1] ?? ""))
      return `Host '${host}' is not served; use http://127.0.0.1:${this.#port}`;
    if (m[2] !== undefined && Number(m[2]) !== this.#port) return `Host '${host}' is not served`;
    return null;
  }

  /** `null` when a write may proceed, otherwise the status and reason to refuse it. */
  checkWrite(req: IncomingMessage, form: URLSearchParams): { status: 401 | 403; reason: string } | null {
    const site = header(req, "sec-fetch-site");
    if (site !== undefined && site !== "same-origin" && site !== "none") {
      return { status: 403, reason: "Cross-site request refused" };
    }
    const origin = header(req, "origin");
    if (origin !== undefined && origin !== "null") {
      let originHost = "";
      try {
        originHost = new URL(origin).host;
      } catch {
        // An unparsable Origin is refused below.
      }
      if (originHost !== (req.headers.host ?? "")) return { status: 403, reason: "Cross-origin request refused" };
    }
    const csrf = header(req, "x-pgqrs-csrf") ?? form.get("csrf") ?? "";
    if (!sameSecret(csrf, this.csrf)) return { status: 403, reason: "Missing or stale page secret; reload the page" };
    if (this.#token !== undefined) {
      const bearer = /^Bearer (.+)$/i.exec(header(req, "authorization") ?? "")?.[1];
      const given = header(req, "x-pgqrs-token") ?? bearer ?? form.get("token") ?? "";
      if (!sameSecret(given, this.#token)) return { status: 401, reason: "A valid dashboard token is required" };
    }
    return null;
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Constant-time equality of two secrets of any length (digests first, so lengths do not leak). */
export function sameSecret(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b) && given.length > 0;
}
