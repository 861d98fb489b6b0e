import { isPgqrsError, maskDsn } from "../index.js";
import { EXIT, UsageError } from "./cli-errors.js";

/** Driver error codes that mean "the database cannot be reached". */
const UNREACHABLE = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "EHOSTUNREACH", "ECONNRESET"]);

/** One line for an error: its stable code, a message naming the (masked) database when it is unreachable, and the exit code. */
export function formatError(err: unknown, dsn: string | undefined): { code: string; message: string; exit: number } {
  if (err instanceof UsageError) return { code: "USAGE", message: err.message, exit: EXIT.usage };
  const masked = dsn === undefined ? undefined : maskDsn(dsn);
  const scrub = (text: string) => (dsn === undefined || masked === undefined ? text : text.split(dsn).join(masked));
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
