/**
 * Every request's way through the dashboard, in this order: the `Host` check (DNS rebinding), sign-in and
 * sign-out, `/metrics` (its own rules), the session or bearer token, then actions (POST) or assets and pages (GET).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { serveAction } from "./action-request.js";
import { CLIENT_SCRIPT } from "./assets/client-script.generated.js";
import { STYLES } from "./assets/styles.js";
import type { DashboardContext } from "./dashboard-context.js";
import { type Asset, asset, redirect, sendAsset, sendText } from "./http-replies.js";
import { serveLogin } from "./login-route.js";
import { replyPage } from "./page-reply.js";
import { routePage } from "./page-routes.js";
import { replyFailure } from "./request-failure.js";

/** The `node:http` request listener of one dashboard; a handler that throws is answered by {@link replyFailure}. */
export function createRequestHandler(ctx: DashboardContext): (req: IncomingMessage, res: ServerResponse) => void {
  const assets: Readonly<Record<string, Asset>> = {
    "/assets/app.css": asset(STYLES, "text/css; charset=utf-8"),
    "/assets/app.js": asset(CLIENT_SCRIPT, "text/javascript; charset=utf-8"),
  };
  return (req, res) => {
    dispatch(ctx, assets, req, res).catch((err: unknown) => replyFailure(ctx.log, req, res, err));
  };
}

async function dispatch(
  ctx: DashboardContext,
  assets: Readonly<Record<string, Asset>>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const { guard } = ctx;
  const refusal = guard.checkHost(req);
  if (refusal !== null) return sendText(res, 403, refusal);
  const url = new URL(req.url ?? "/", "http://dashboard.invalid");
  if (url.pathname === "/login") return serveLogin(guard, req, res, url);
  if (url.pathname === "/metrics") return ctx.metricsRoute.serve(req, res);
  if (url.pathname === "/logout" && req.method === "POST") {
    const crossSite = guard.checkSameOrigin(req);
    if (crossSite !== null) return sendText(res, 403, crossSite);
    return redirect(res, "/login", { "set-cookie": guard.auth.logout() });
  }
  if (!guard.auth.allows(req)) return unauthenticated(req, res, url);
  if (req.method === "POST") return serveAction(ctx, req, res, url);
  if (req.method !== "GET") {
    res.setHeader("allow", "GET, POST");
    return sendText(res, 405, "Method not allowed");
  }
  const file = assets[url.pathname];
  if (file !== undefined) return sendAsset(req, res, file);
  replyPage(ctx, req, res, await routePage(ctx.reads, url, { readOnly: ctx.readOnly }));
}

/** Browsers asking for a page go to the login form; everything else (API, assets, refresh, actions) gets 401. */
function unauthenticated(req: IncomingMessage, res: ServerResponse, url: URL): void {
  const wantsPage =
    req.method === "GET" &&
    req.headers["x-pgqrs-fragment"] === undefined &&
    !url.pathname.startsWith("/api/") &&
    !url.pathname.startsWith("/assets/") &&
    (req.headers.accept ?? "").includes("text/html");
  if (wantsPage) {
    redirect(res, `/login?next=${encodeURIComponent(url.pathname + url.search)}`);
    return;
  }
  sendText(res, 401, "Sign in at /login or send Authorization: Bearer <token>", {
    "www-authenticate": 'Bearer realm="pgqrs dashboard"',
  });
}
