/** Response helpers of the dashboard server: security headers on everything, bodies read with a cap. */
import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

/** Largest request body accepted, bytes (actions and the login form carry a few short fields). */
export const MAX_BODY = 16 * 1024;

export const SECURITY_HEADERS = {
  "content-security-policy":
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
} as const;

/** A body over {@link MAX_BODY}: answered 413. */
export class BodyTooLarge extends Error {
  constructor() {
    super(`Request body over ${MAX_BODY} bytes`);
    this.name = "BodyTooLarge";
  }
}

export interface Asset {
  body: string;
  type: string;
  etag: string;
}

export function asset(body: string, type: string): Asset {
  return { body, type, etag: `"${createHash("sha1").update(body).digest("base64url")}"` };
}

export function sendAsset(req: IncomingMessage, res: ServerResponse, a: Asset): void {
  res.setHeader("etag", a.etag);
  res.setHeader("cache-control", "no-cache");
  if (req.headers["if-none-match"] === a.etag) {
    res.writeHead(304).end();
    return;
  }
  res.writeHead(200, { "content-type": a.type, ...SECURITY_HEADERS }).end(a.body);
}

export function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string,
  headers: Record<string, string> = {},
): void {
  res
    .writeHead(status, { "content-type": type, "cache-control": "no-store", ...SECURITY_HEADERS, ...headers })
    .end(body);
}

export function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  send(res, status, "text/plain; charset=utf-8", text, headers);
}

export function redirect(res: ServerResponse, location: string, headers: Record<string, string> = {}): void {
  res.writeHead(303, { location, "cache-control": "no-store", ...SECURITY_HEADERS, ...headers }).end();
}

/** JSON for the browser script; a plain form post (no script) is sent back to the page it came from. */
export function replyAction(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  body: { ok: boolean; message: string; location?: string },
): void {
  if ((req.headers.accept ?? "").includes("application/json") || status !== 200) {
    send(res, status, "application/json; charset=utf-8", JSON.stringify(body));
    return;
  }
  redirect(res, body.location ?? "/");
}

/** The body as text; {@link BodyTooLarge} past {@link MAX_BODY} (declared or sent). */
export async function readBody(req: IncomingMessage): Promise<string> {
  if (Number(req.headers["content-length"] ?? 0) > MAX_BODY) throw new BodyTooLarge();
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new BodyTooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}
