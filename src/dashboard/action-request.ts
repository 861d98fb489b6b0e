/**
 * POST of an action: refused whole on a read-only dashboard, then checked by the guard (same origin, CSRF secret
 * or bearer token), then routed. A refusal the user can act on is answered 409 with its message; any other error
 * goes on to the 500 answer.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { routeAction } from "./action-routes.js";
import { type ActionResult, describeFailure } from "./actions.js";
import type { DashboardContext } from "./dashboard-context.js";
import { readBody, replyAction } from "./http-replies.js";

/** The answer to every action of a read-only dashboard. */
export const READ_ONLY_REFUSAL = {
  ok: false,
  code: "READ_ONLY",
  message: "This dashboard is read-only (started with --read-only): it takes no actions; nothing was done",
} as const satisfies ActionResult;

export async function serveAction(
  ctx: DashboardContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const form = new URLSearchParams(await readBody(req));
  // Checked here, on the server, for every path: hiding the buttons alone would leave the routes open.
  if (ctx.readOnly) return replyAction(req, res, 403, READ_ONLY_REFUSAL);
  const refused = ctx.guard.checkWrite(req, form);
  if (refused !== null) return replyAction(req, res, refused.status, { ok: false, message: refused.reason });
  let result: Awaited<ReturnType<typeof routeAction>>;
  try {
    result = await routeAction(ctx.actions, url.pathname, form);
  } catch (err) {
    const shown = describeFailure(err);
    if (shown === null) throw err;
    return replyAction(req, res, 409, shown);
  }
  if (result === null) return replyAction(req, res, 404, { ok: false, message: "No such action" });
  if (result === "bad-id") return replyAction(req, res, 400, { ok: false, message: "Malformed id in the path" });
  replyAction(req, res, result.ok ? 200 : result.missing ? 404 : result.invalid ? 400 : 409, result);
}
