import type { Store } from "../../index.js";
import { PgqrsError } from "../../index.js";
import type { CommandSpec } from "../command.js";

/** The dashboard module's entry point (src/dashboard/server.ts). */
type StartDashboard = (opts: {
  store: Store;
  host: string;
  port: number;
  token?: string;
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
  flags: {
    host: { type: "string", placeholder: "HOST", description: "Interface to listen on (default 127.0.0.1)" },
    port: { type: "int", placeholder: "PORT", description: "Port (default 4000; 0 picks a free one)" },
    token: {
      type: "string",
      placeholder: "TOKEN",
      description: "Token every dashboard action must carry (env PGQRS_DASHBOARD_TOKEN); set it beyond localhost",
    },
  },
  examples: [
    "pgqrs dashboard",
    "pgqrs dashboard --dsn postgresql://app@db/app --host 0.0.0.0 --port 8080 --token s3cret",
  ],
  async run(ctx) {
    const startDashboard = await loadDashboard();
    const store = await ctx.store();
    const token = ctx.flags.string("token") ?? process.env.PGQRS_DASHBOARD_TOKEN;
    const server = await startDashboard({
      store,
      host: ctx.flags.string("host") ?? "127.0.0.1",
      port: ctx.flags.int("port") ?? 4000,
      ...(token === undefined || token === "" ? {} : { token }),
    });
    if (ctx.json) ctx.out.write(`${JSON.stringify({ url: server.url })}\n`);
    else ctx.out.write(`pgqrs dashboard: ${server.url} (Ctrl-C stops)\n`);
    await new Promise<void>((resolve) => {
      const done = () => resolve();
      process.once("SIGINT", done);
      process.once("SIGTERM", done);
    });
    await server.close();
    return undefined;
  },
};
