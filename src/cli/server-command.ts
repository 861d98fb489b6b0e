/**
 * What the commands that serve HTTP until a signal (`pgqrs dashboard`, `pgqrs metrics`) share: the `--token` and
 * `--allowed-host` flags read the same way, and the server kept up until SIGINT or SIGTERM.
 */
import type { CommandContext } from "./command.js";

/**
 * `--token`, else the environment variable `envName`. A token given as a flag is warned about on stderr: other
 * users of the machine can read it in `ps`.
 */
export function tokenFlagOrEnv(ctx: CommandContext, command: string, envName: string): string | undefined {
  const flagToken = ctx.flags.string("token");
  if (flagToken !== undefined) {
    ctx.err.write(`pgqrs ${command}: --token is visible to other users in \`ps\`; prefer ${envName}\n`);
  }
  return flagToken ?? process.env[envName];
}

/** `--allowed-host a,b`: the names, trimmed, empty ones dropped. */
export function allowedHostsFlag(ctx: CommandContext): string[] {
  return (ctx.flags.string("allowed-host") ?? "")
    .split(",")
    .map((h) => h.trim())
    .filter((h) => h !== "");
}

/** Print where `server` listens (`{"url":…}` with `--json`, else `human(url)`), then close it at SIGINT or SIGTERM. */
export async function serveUntilSignal(
  ctx: CommandContext,
  server: { url: string; close(): Promise<void> },
  human: (url: string) => string,
): Promise<void> {
  // The handlers first: a supervisor that signals as soon as it reads the URL must find them in place (Node's
  // default would kill the process with the server open).
  const stopped = new Promise<void>((resolve) => {
    const done = () => resolve();
    process.once("SIGINT", done);
    process.once("SIGTERM", done);
  });
  if (ctx.json) ctx.out.write(`${JSON.stringify({ url: server.url })}\n`);
  else ctx.out.write(`${human(server.url)}\n`);
  await stopped;
  await server.close();
}
