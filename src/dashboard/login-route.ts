/**
 * `/login`: the sign-in form (GET) and its post (POST, same-origin only), which trades the token for a session
 * cookie. Without a token there is nothing to sign in to: it sends the browser home.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { readBody, redirect, send, sendText } from "./http-replies.js";
import { loginPage, safeNext } from "./pages/login-page.js";
import type { RequestGuard } from "./request-guard.js";

export async function serveLogin(
  guard: RequestGuard,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  if (!guard.auth.required) return redirect(res, "/");
  if (req.method === "GET") {
    return send(
      res,
      200,
      "text/html; charset=utf-8",
      loginPage({ next: safeNext(url.searchParams.get("next")), failed: false }).text,
    );
  }
  if (req.method !== "POST") {
    res.setHeader("allow", "GET, POST");
    return sendText(res, 405, "Method not allowed");
  }
  const crossSite = guard.checkSameOrigin(req);
  if (crossSite !== null) return sendText(res, 403, crossSite);
  const form = new URLSearchParams(await readBody(req));
  const next = safeNext(form.get("next"));
  const secure = req.headers["x-forwarded-proto"] === "https";
  const cookie = guard.auth.login(form.get("token") ?? "", secure);
  if (cookie === null) return send(res, 401, "text/html; charset=utf-8", loginPage({ next, failed: true }).text);
  redirect(res, next, { "set-cookie": cookie });
}
