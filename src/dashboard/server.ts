/**
 * `startDashboard`: a small `node:http` server for the web dashboard. Pages are rendered on the server from the
 * library's read API; a short browser script refreshes them live and confirms actions. No framework, no build
 * step, no files on disk. Who may do what is decided by the `RequestGuard` (request-guard.ts); the way a request
 * takes through the dashboard is in request-dispatch.ts.
 */
import { createServer } from "node:http";
import type { Store } from "../api/pgqrs-store.js";
import { resolveDashboard } from "./dashboard-context.js";
import { listen } from "./http-listen.js";
import { createRequestHandler } from "./request-dispatch.js";

export { READ_ONLY_REFUSAL } from "./action-request.js";

export interface DashboardOptions {
  store: Store;
  /** Interface to listen on. Beyond loopback (`0.0.0.0`, a LAN address…) a `token` is required. */
  host: string;
  /** Port; 0 picks a free one. */
  port: number;
  /**
   * The secret every request must carry (login form → session cookie, or `Authorization: Bearer`), pages and
   * assets included. Required when `host` is not a loopback address; optional on loopback.
   */
  token?: string;
  /**
   * Extra `Host` names to answer besides the loopback names and the bound address (a reverse proxy's public
   * name; `name:port` to name its port). Requests for any other name get 403 (DNS rebinding).
   */
  allowedHosts?: readonly string[];
  /**
   * A second secret that opens `/metrics` only (Prometheus sends it as `Authorization: Bearer`), so a scraper never
   * holds the dashboard token. `/metrics` also answers whatever the dashboard's own rules let in.
   */
  metricsToken?: string;
  /** Where server-side errors are written (their details never reach the browser). Default: stderr. */
  log?: (line: string) => void;
  /**
   * Serve a view only: pages show no action buttons or forms, the header says "read-only", and every action
   * (POST under `/actions/`) is refused with 403 and code `READ_ONLY`, writing nothing, whoever sends it. Pages,
   * `/metrics`, sign-in and sign-out work as usual. Default: false.
   */
  readOnly?: boolean;
}

/**
 * Serve the dashboard for `store` on `host:port` until `close()`; the store stays open. INVALID_CONFIG when `host`
 * is beyond loopback and no token is given, or an allowed host is malformed.
 */
export async function startDashboard(opts: DashboardOptions): Promise<{ url: string; close(): Promise<void> }> {
  const ctx = resolveDashboard(opts);
  const server = createServer(createRequestHandler(ctx));
  const listening = await listen(server, opts.port, opts.host);
  ctx.guard.setPort(listening.port);
  return { url: `${listening.origin}/`, close: listening.close };
}
