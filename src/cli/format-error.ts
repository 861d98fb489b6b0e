import { scrubSecrets } from "../config.js";
import { isPgqrsError, maskDsn } from "../index.js";
import { EXIT, UsageError } from "./cli-errors.js";
import { withNextStep } from "./next-steps.js";
import { escapeControls } from "./output.js";

/** Driver error codes that mean "the database cannot be reached". */
const UNREACHABLE = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "EHOSTUNREACH", "ECONNRESET"]);

/**
 * One line for an error: its stable code, a message naming the (masked) database when it is unreachable, and the
 * exit code. `dsn` is the resolved DSN, or every DSN the invocation was given (flag, environment) when none
 * resolved: each, and each password it carries, is masked wherever the message repeats it. Control characters
 * in the message (a queue name) are shown as escapes. Every message but a usage error's (whose help pointer the
 * caller prints) ends with a next step: what to run or check (see next-steps.ts); `command` (`"queue create"`)
 * names the help to point at when nothing more specific applies.
 */
export function formatError(
  err: unknown,
  dsn: string | readonly (string | undefined)[] | undefined,
  command?: string,
): { code: string; message: string; exit: number } {
  const out = formatErrorRaw(err, dsn);
  const message =
    out.code === "USAGE" ? out.message : withNextStep(out.message, { ...asCoded(err), code: out.code }, command);
  return { ...out, message: escapeControls(message, { keepNewlines: true }) };
}

/** The code and details of a PgqrsError (or none), for choosing its next step. */
function asCoded(err: unknown): { details: Readonly<Record<string, unknown>> } {
  return { details: isPgqrsError(err) ? err.details : {} };
}

/** Any text the CLI prints about an error (a `--verbose` trace): DSN passwords masked, controls escaped. */
export function scrubErrorText(text: string, dsns: readonly (string | undefined)[]): string {
  return escapeControls(scrubSecrets(text, dsns), { keepNewlines: true });
}

function formatErrorRaw(
  err: unknown,
  dsnOrDsns: string | readonly (string | undefined)[] | undefined,
): { code: string; message: string; exit: number } {
  const dsns = typeof dsnOrDsns === "string" ? [dsnOrDsns] : (dsnOrDsns ?? []);
  const dsn = dsns.find((d): d is string => d !== undefined && d !== "");
  if (err instanceof UsageError) return { code: "USAGE", message: scrubSecrets(err.message, dsns), exit: EXIT.usage };
  const masked = dsn === undefined ? undefined : maskDsn(dsn);
  const scrub = (text: string) => scrubSecrets(text, dsns);
  const reason = rootReason(err);
  // The store's message may repeat the DSN in a trailing context; the line names it once.
  const why = () =>
    scrub(reason.text)
      .replace(/^Database connection failed: /, "")
      .replace(/\. Context: .*$/s, "");
  if (isPgqrsError(err)) {
    if ((err.code === "CONNECTION_FAILED" || reason.unreachable) && masked !== undefined) {
      return {
        code: "CONNECTION_FAILED",
        message: `cannot connect to ${masked}: ${why()}`,
        exit: EXIT.error,
      };
    }
    return { code: err.code, message: scrub(err.message), exit: EXIT.error };
  }
  if (reason.unreachable && masked !== undefined) {
    return {
      code: "CONNECTION_FAILED",
      message: `cannot connect to ${masked}: ${why()}`,
      exit: EXIT.error,
    };
  }
  return { code: "INTERNAL", message: scrub(reason.text), exit: EXIT.error };
}

/** The innermost cause's message, and whether it is a network failure. */
function rootReason(err: unknown): { text: string; unreachable: boolean } {
  let current: unknown = err;
  let unreachable = false;
  let text = err instanceof Error ? err.message : String(err);
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && UNREACHABLE.has(code)) {
      unreachable = true;
      text = current.message || code;
    }
    if (current instanceof AggregateError && current.errors[0] instanceof Error) {
      const first = current.errors[0] as Error & { code?: string };
      if (first.code !== undefined && UNREACHABLE.has(first.code)) {
        unreachable = true;
        text = first.message;
      }
    }
    current = current.cause;
  }
  return { text, unreachable };
}

/** Every DSN an invocation names before any resolves (`--dsn`, `PGQRS_DSN`, `PGQRS_LISTEN_DSN`), for scrubbing. */
export function givenDsns(argv: readonly string[], env: NodeJS.ProcessEnv): (string | undefined)[] {
  const flags = argv.flatMap((a, i) => (a === "--dsn" ? [argv[i + 1]] : a.startsWith("--dsn=") ? [a.slice(6)] : []));
  return [...flags, env.PGQRS_DSN, env.PGQRS_LISTEN_DSN];
}
