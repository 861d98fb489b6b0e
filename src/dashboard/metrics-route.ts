/**
 * The dashboard's `/metrics` (Prometheus). Scrapers cannot sign in, so besides the dashboard's own rules (no
 * token on loopback; otherwise the session cookie or `Authorization: Bearer <dashboard token>`), a scrape may carry
 * the separate `metricsToken` as a bearer token: it opens `/metrics` only, never a page or an action, so Prometheus
 * never holds the secret that can act on queues. The `Host` check (DNS rebinding) has run before. Read-only: GET and
 * HEAD; the counts come from one exporter per dashboard, shared by every scrape for a second.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Store } from "../api/pgqrs-store.js";
import { createMetricsExporter, type MetricsExporter } from "../metrics/metrics-exporter.js";
import { hasBearer, serveMetrics, unauthorized } from "../metrics/metrics-http.js";
import type { RequestGuard } from "./request-guard.js";

export class MetricsRoute {
  readonly #exporter: MetricsExporter;
  readonly #guard: RequestGuard;
  readonly #token: string | undefined;
  readonly #log: (line: string) => void;

  constructor(store: Store, guard: RequestGuard, metricsToken: string | undefined, log: (line: string) => void) {
    this.#exporter = createMetricsExporter(store);
    this.#guard = guard;
    this.#token = metricsToken === "" ? undefined : metricsToken;
    this.#log = log;
  }

  /** Answer a request for `/metrics`. */
  async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const scraper = this.#token !== undefined && hasBearer(req, this.#token);
    if (!scraper && !this.#guard.auth.allows(req)) return unauthorized(res);
    await serveMetrics(req, res, this.#exporter, this.#log);
  }
}
