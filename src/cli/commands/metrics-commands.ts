import { startMetricsServer } from "../../index.js";
import { UsageError } from "../cli-errors.js";
import type { CommandSpec } from "../command.js";
import { listenOrExplain } from "../port-in-use.js";
import { allowedHostsFlag, serveUntilSignal, tokenFlagOrEnv } from "../server-command.js";

/** `pgqrs metrics`: serve Prometheus metrics of the database until SIGINT or SIGTERM. */
export const metricsCommand: CommandSpec = {
  name: "metrics",
  summary: "Serve Prometheus metrics of the database at http://HOST:PORT/metrics until Ctrl-C or SIGTERM",
  details: [
    "Reports every process's work sharing the database (queue depth, oldest pending age, retrying messages, dead",
    "letters, completions, workers, runs by status, step durations); see docs/guides/metrics.md for the list. It",
    "reads, never writes, and shares one read among the scrapes of a second. Binds to 127.0.0.1 by default; on any",
    "other address it needs a token, which Prometheus sends as `Authorization: Bearer <token>`: pass it in the",
    "environment, PGQRS_METRICS_TOKEN, not with --token, which other users can see in `ps`. Without a token, requests",
    "for host names other than the loopback names, the bound address and --allowed-host are refused (DNS rebinding).",
  ].join("\n"),
  flags: {
    port: { type: "int", placeholder: "PORT", description: "Port to listen on (required; 0 picks a free one)" },
    host: { type: "string", placeholder: "HOST", description: "Interface to listen on (default 127.0.0.1)" },
    token: {
      type: "string",
      placeholder: "TOKEN",
      description: "Bearer token scrapes must carry; required beyond 127.0.0.1. Prefer env PGQRS_METRICS_TOKEN",
    },
    "allowed-host": {
      type: "string",
      placeholder: "HOSTS",
      description: "Without a token: extra Host names to answer, comma-separated (e.g. metrics.internal:9187)",
    },
  },
  examples: [
    "pgqrs metrics --port 9187",
    "PGQRS_METRICS_TOKEN=$(openssl rand -hex 32) pgqrs metrics --host 0.0.0.0 --port 9187",
  ],
  async run(ctx) {
    const port = ctx.flags.int("port");
    if (port === undefined) throw new UsageError("--port is required: pgqrs metrics --port 9187", "metrics");
    const token = tokenFlagOrEnv(ctx, "metrics", "PGQRS_METRICS_TOKEN");
    const allowedHosts = allowedHostsFlag(ctx);
    const store = await ctx.store();
    const host = ctx.flags.string("host") ?? "127.0.0.1";
    const server = await listenOrExplain("metrics", host, port, () =>
      startMetricsServer({
        store,
        host,
        port,
        allowedHosts,
        ...(token === undefined || token === "" ? {} : { token }),
        log: (line) => ctx.err.write(`${line}\n`),
      }),
    );
    await serveUntilSignal(ctx, server, (url) => `pgqrs metrics: serving ${url} (Ctrl-C or SIGTERM stops)`);
    return undefined;
  },
};
