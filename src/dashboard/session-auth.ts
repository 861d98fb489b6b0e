/**
 * The dashboard token, when one is set, guards every request (pages, the JSON API, assets and actions). A request
 * carries it either as `Authorization: Bearer <token>` (scripts) or as the session cookie that the login form sets
 * (browsers). The cookie is `HttpOnly; SameSite=Strict` and holds an HMAC of the token under a key made at start,
 * never the token itself: a leaked cookie does not reveal the token, and every cookie dies with the process.
 * All comparisons are constant-time.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

export const SESSION_COOKIE = "pgqrs_session";

export class SessionAuth {
  readonly #token: string | undefined;
  readonly #session: string;

  constructor(token: string | undefined) {
    this.#token = token === "" ? undefined : token;
    const key = randomBytes(32);
    this.#session = createHmac("sha256", key)
      .update(this.#token ?? "")
      .digest("base64url");
  }

  /** Whether requests must prove they know the token. */
  get required(): boolean {
    return this.#token !== undefined;
  }

  /** True when no token is set, or the request carries a valid bearer token or session cookie. */
  allows(req: IncomingMessage): boolean {
    if (this.#token === undefined) return true;
    return this.hasBearer(req) || sameSecret(cookie(req, SESSION_COOKIE) ?? "", this.#session);
  }

  /** True when the request carries the token as `Authorization: Bearer …` (a script, not a browser session). */
  hasBearer(req: IncomingMessage): boolean {
    if (this.#token === undefined) return false;
    const bearer = /^Bearer +(.+)$/i.exec(req.headers.authorization ?? "")?.[1];
    return bearer !== undefined && sameSecret(bearer, this.#token);
  }

  /** The `Set-Cookie` value for a correct login token, or `null` when `given` is not the token. */
  login(given: string, secure: boolean): string | null {
    if (this.#token === undefined || !sameSecret(given, this.#token)) return null;
    return `${SESSION_COOKIE}=${this.#session}; Path=/; HttpOnly; SameSite=Strict${secure ? "; Secure" : ""}`;
  }

  /** The `Set-Cookie` value that ends a session. */
  logout(): string {
    return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`;
  }
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Constant-time equality of two secrets of any length (digests first, so lengths do not leak). */
export function sameSecret(given: string, expected: string): boolean {
  // Hashed as UTF-16 code units: as UTF-8, a lone surrogate would turn into U+FFFD and match one.
  const a = createHash("sha256").update(given, "utf16le").digest();
  const b = createHash("sha256").update(expected, "utf16le").digest();
  return timingSafeEqual(a, b) && given.length > 0;
}
