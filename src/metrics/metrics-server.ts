/**
 * `startMetricsServer`: a small `node:http` server answering Prometheus scrapes at `/metrics` (what
 * `pgqrs metrics` runs). It reads aggregate counts only (queue and workflow names, no payloads) and writes nothing.
 *
 * Who may scrape: on loopback without a token, anyone on this machine, with the `Host` header checked (loopback
 * names, the bound address, `allowedHosts`) so that a DNS-rebinding web page cannot read it; with a `token`, only
 * requests that carry it as `Authorization: Bearer <token>` (any `Host`: the token is the proof). Beyond loopback a
 * token is required.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Store } from "../api/pgqrs-store.js";
import { HostAllowList, isLoopbackBind } from "../dashboard/host-allow-list.js";
import { listen } from "../dashboard/http-listen.js";
import { PgqrsError } from "../errors.js";
import { createMetricsExporter, MetricsExporter, type MetricsExporterOptions } from "./metrics-exporter.js";
import { hasBearer, reply, serveMetrics, unauthorized } from "./metrics-http.js";

/** Options of {@link startMetricsServer}. */
export interface MetricsServerOptions {
  /** The store whose metrics are served (read through the exporter). */
  store: Store;
  /** Interface to listen on, e.g. `127.0.0.1` or `0.0.0.0`. Beyond loopback a `token` is required. */
  host: string;
  /** Port; 0 picks a free one. */
  port: number;
  /** The secret scrapers send as `Authorization: Bearer <token>`. Required beyond loopback; optional on loopback. */
  token?: string;
  /** Without a token: extra `Host` names to answer (a name Prometheus scrapes this machine by). */
  allowedHosts?: readonly string[];
  /** The exporter to serve, or options for a new one (default: a new exporter with default options). */
  exporter?: MetricsExporter | MetricsExporterOptions;
  /** Where failures to read the database are written. Default: stderr. */
  log?: (line: string) => void;
}

/** A running metrics server. */
export interface MetricsServer {
  /** The scrape URL, e.g. `http://127.0.0.1:9187/metrics`. */
  readonly url: string;
  /** Stop listening and end open connections; the store stays open. */
  close(): Promise<void>;
}

/**
 * Serve `store`'s metrics at `http://host:port/metrics` until `close()`. INVALID_CONFIG when `host` is beyond
 * loopback without a token, or an allowed host is malformed.
 */
export async function startMetricsServer(opts: MetricsServerOptions): Promise<MetricsServer> {
  const token = opts.token === "" ? undefined : opts.token;
  if (token === undefined && !isLoopbackBind(opts.host)) {
    throw new PgqrsError(
      "INVALID_CONFIG",
      `pgqrs metrics refuses to listen on ${opts.host} without a token: anyone who can reach it could read your queue ` +
        "and workflow names. Set PGQRS_METRICS_TOKEN (and give Prometheus the same bearer token), or bind to 127.0.0.1",
      { details: { option: "token" } },
    );
  }
  const hosts = new HostAllowList(opts.host, opts.allowedHosts ?? []);
  const exporter =
    opts.exporter instanceof MetricsExporter ? opts.exporter : createMetricsExporter(opts.store, opts.exporter ?? {});
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (token === undefined) {
      const refusal = hosts.check(req.headers.host);
      if (refusal !== null) return reply(res, 403, `${refusal}\n`);
    } else if (!hasBearer(req, token)) {
      return unauthorized(res);
    }
    const path = new URL(req.url ?? "/", "http://metrics.invalid").pathname;
    if (path !== "/metrics") return reply(res, 404, "Not found: Prometheus metrics are at /metrics\n");
    await serveMetrics(req, res, exporter, log);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log(`pgqrs metrics: ${req.method ?? "?"} ${(req.url ?? "").slice(0, 200)} failed: ${String(err)}`);
      if (res.headersSent) res.destroy();
      else reply(res, 500, "Internal error\n");
    });
  });
  const listening = await listen(server, opts.port, opts.host);
  hosts.setPort(listening.port);
  return { url: `${listening.origin}/metrics`, close: listening.close };
}
