/**
 * The answer to a request whose handler threw: 413 for an oversized body, 400 for a validation error, otherwise a
 * 500 page. Details go to the server's log only: a 500 page names no database user, host or database.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { isPgqrsError } from "../errors.js";
import { BodyTooLarge, send, sendText } from "./http-replies.js";

export function replyFailure(
  log: (line: string) => void,
  req: IncomingMessage,
  res: ServerResponse,
  err: unknown,
): void {
  if (err instanceof BodyTooLarge) {
    if (!res.headersSent) sendText(res, 413, "Request body too large", { connection: "close" });
    req.resume();
    return;
  }
  if (isPgqrsError(err, "VALIDATION_FAILED") && !res.headersSent) {
    sendText(res, 400, err.message);
    return;
  }
  const detail = isPgqrsError(err)
    ? `${err.code}: ${err.message}`
    : err instanceof Error
      ? (err.stack ?? err.message)
      : String(err);
  log(`pgqrs dashboard: ${req.method ?? "?"} ${(req.url ?? "").slice(0, 200)} failed: ${detail}`);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  send(
    res,
    500,
    "text/html; charset=utf-8",
    "<!doctype html><title>Error</title><h1>Something went wrong</h1><p>The dashboard could not answer this request. The details are in the log of the process serving it.</p>",
  );
}
