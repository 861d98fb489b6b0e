/**
 * Answering a scrape over `node:http`, shared by `pgqrs metrics` ({@link startMetricsServer}) and the dashboard's
 * `/metrics` route: GET and HEAD only (the endpoint is read-only), the text format with its content type, and 503
 * when the database cannot be read (Prometheus then records the target as down); details go to the log only.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { isPgqrsError } from "../errors.js";
import { sameSecret } from "../dashboard/session-auth.js";
import type { MetricsExporter } from "./metrics-exporter.js";

/** Answer `req` with the exporter's metrics. */
export async function serveMetrics(
  req: IncomingMessage,
  res: ServerResponse,
  exporter: MetricsExporter,
  log: (line: string) => void,
): Promise<void> {
  if (req.method !== "GET" && req.method !== "HEAD") {
    reply(res, 405, "Method not allowed: /metrics is read-only (GET)\n", { allow: "GET, HEAD" });
    return;
  }
  let text: string;
  try {
    text = await exporter.metrics();
  } catch (err) {
    const detail = isPgqrsError(err) ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err);
    log(`pgqrs metrics: reading the metrics failed: ${detail}`);
    reply(res, 503, "Metrics unavailable: the database could not be read (see the server's log)\n");
    return;
  }
  res.writeHead(200, { "content-type": exporter.contentType, "cache-control": "no-store" });
  res.end(req.method === "HEAD" ? undefined : text);
}

/** A plain-text reply. */
export function reply(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store", ...headers });
  res.end(text);
}

/** True when the request carries `Authorization: Bearer <token>` (compared in constant time). */
export function hasBearer(req: IncomingMessage, token: string): boolean {
  const bearer = /^Bearer +(.+)$/i.exec(req.headers.authorization ?? "")?.[1];
  return bearer !== undefined && sameSecret(bearer, token);
}

/** The 401 answer asking for a bearer token. */
export function unauthorized(res: ServerResponse): void {
  reply(res, 401, "Send Authorization: Bearer <token> (the metrics token)\n", {
    "www-authenticate": 'Bearer realm="pgqrs metrics"',
  });
}
