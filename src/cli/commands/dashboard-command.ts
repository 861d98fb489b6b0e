import type { Store } from "../../index.js";
import { PgqrsError } from "../../index.js";
import type { CommandSpec } from "../command.js";
import { listenOrExplain } from "../port-in-use.js";
import { allowedHostsFlag, serveUntilSignal, tokenFlagOrEnv } from "../server-command.js";

/** The dashboard module's entry point (src/dashboard/server.ts). */
type StartDashboard = (opts: {
  store: Store;
  host: string;
  port: number;
  token?: string;
  allowedHosts?: readonly string[];
  metricsToken?: string;
  readOnly?: boolean;
}) => Promise<{ url: string; close(): Promise<void> }>;

async function loadDashboard(): Promise<StartDashboard> {
  // Resolved at run time so the CLI builds and runs without the dashboard module.
  const specifier = new URL("../../dashboard/server.js", import.meta.url).href;
  let mod: { startDashboard?: unknown };
  try {
    mod = (await import(specifier)) as { startDashboard?: unknown };
  } catch (cause) {
    throw new PgqrsError("INTERNAL", "the dashboard is not available in this build (dist/dashboard/server.js)", {
      cause,
    });
  }
  if (typeof mod.startDashboard !== "function") {
    throw new PgqrsError("INTERNAL", "dist/dashboard/server.js does not export startDashboard");
  }
  return mod.startDashboard as StartDashboard;
}

export const dashboardCommand: CommandSpec = {
  name: "dashboard",
  summary: "Serve the web dashboard (queues, workers, runs, and admin actions) until Ctrl-C",
  details: [
    "Binds to 127.0.0.1 by default. On any other address (0.0.0.0, a LAN address) it needs a token and refuses to",
    "start without one: every request (pages, the JSON API, assets, actions) must then carry it, through the login",
    "page (a session cookie) or an `Authorization: Bearer <token>` header. Pass the token in the environment,",
    "PGQRS_DASHBOARD_TOKEN, not with --token, which other users can see in `ps`. The dashboard speaks plain HTTP:",
    "beyond one machine, put it behind a reverse proxy that terminates TLS, and name the proxy's host with",
    "--allowed-host. Requests for any host name not allowed (loopback names, the bound address, --allowed-host) are",
    "refused with 403, which stops DNS-rebinding pages. Prometheus scrapes /metrics with the dashboard token, or with",
    "PGQRS_METRICS_TOKEN when set: a bearer token that opens /metrics only. With --read-only it shows everything and",
    "acts on nothing: no action buttons, and every action request is refused with 403 (code READ_ONLY).",
  ].join("\n"),
  flags: {
    host: { type: "string", placeholder: "HOST", description: "Interface to listen on (default 127.0.0.1)" },
    port: { type: "int", placeholder: "PORT", description: "Port (default 4000; 0 picks a free one)" },
    token: {
      type: "string",
      placeholder: "TOKEN",
      description:
        "Token every request must carry; required beyond 127.0.0.1. Prefer env PGQRS_DASHBOARD_TOKEN (argv shows in ps)",
    },
    "allowed-host": {
      type: "string",
      placeholder: "HOSTS",
      description: "Extra Host names to serve, comma-separated, e.g. a reverse proxy's dash.example.com[:port]",
    },
    "read-only": {
      type: "boolean",
      description: "Show only: no action buttons; every action is refused with 403 (READ_ONLY), nothing written",
    },
  },
  examples: [
    "pgqrs dashboard",
    "pgqrs dashboard --read-only",
    "PGQRS_DASHBOARD_TOKEN=$(openssl rand -hex 32) pgqrs dashboard --host 0.0.0.0 --port 8080 --allowed-host dash.example.com",
  ],
  async run(ctx) {
    const startDashboard = await loadDashboard();
    const token = tokenFlagOrEnv(ctx, "dashboard", "PGQRS_DASHBOARD_TOKEN");
    const allowedHosts = allowedHostsFlag(ctx);
    const metricsToken = process.env.PGQRS_METRICS_TOKEN;
    const store = await ctx.store();
    const host = ctx.flags.string("host") ?? "127.0.0.1";
    const port = ctx.flags.int("port") ?? 4000;
    const server = await listenOrExplain("dashboard", host, port, () =>
      startDashboard({
        ...(metricsToken === undefined || metricsToken === "" ? {} : { metricsToken }),
        store,
        host,
        port,
        allowedHosts,
        readOnly: ctx.flags.bool("read-only"),
        ...(token === undefined || token === "" ? {} : { token }),
      }),
    );
    await serveUntilSignal(ctx, server, (url) => `pgqrs dashboard: ${url} (Ctrl-C stops)`);
    return undefined;
  },
};
