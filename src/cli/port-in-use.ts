import { PgqrsError } from "../index.js";

/**
 * Start a listener, turning Node's bare `listen EADDRINUSE` into an error that says what to do: another port, or
 * `--port 0` for a free one. Any other failure is rethrown as it is.
 */
export async function listenOrExplain<T>(
  command: string,
  host: string,
  port: number,
  start: () => Promise<T>,
): Promise<T> {
  try {
    return await start();
  } catch (err) {
    if ((err as { code?: unknown } | null)?.code !== "EADDRINUSE") throw err;
    throw new PgqrsError(
      "INVALID_CONFIG",
      `Port ${port} on ${host} is already in use (another process listens there): pick another with --port N, or ` +
        `\`pgqrs ${command} --port 0\` for a free one (the address it got is printed)`,
      { cause: err, details: { option: "port", port, host } },
    );
  }
}
