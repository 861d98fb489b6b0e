/** A mistake in how the command was called: printed with a hint, exit code 2. */
export class UsageError extends Error {
  /** The command whose help the hint points at (`"queue create"`), if known. */
  readonly command: string | undefined;

  constructor(message: string, command?: string) {
    super(message);
    this.name = "UsageError";
    this.command = command;
  }
}

/** Exit codes of the `pgqrs` command. */
export const EXIT = { ok: 0, error: 1, usage: 2 } as const;
