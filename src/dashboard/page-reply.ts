/**
 * Answering a GET route's {@link PageResult}: a whole page in the shell, or only `<main>` for the live refresh
 * (with an ETag, so an unchanged page costs a 304).
 */
import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { DashboardContext } from "./dashboard-context.js";
import { html } from "./html.js";
import { redirect, send } from "./http-replies.js";
import type { PageResult } from "./page-routes.js";
import { layout } from "./pages/layout.js";

/** How often open pages refresh themselves, ms. */
const REFRESH_MS = 2_000;

export function replyPage(ctx: DashboardContext, req: IncomingMessage, res: ServerResponse, result: PageResult): void {
  switch (result.kind) {
    case "redirect":
      redirect(res, result.location);
      return;
    case "json":
      send(res, result.status, "application/json; charset=utf-8", JSON.stringify(result.body));
      return;
    case "bad-request":
      sendPage(ctx, req, res, 400, "Bad request", html`<h1>Bad request</h1><p class="sub">${result.message}.</p>`);
      return;
    case "not-found":
      sendPage(
        ctx,
        req,
        res,
        404,
        "Not found",
        html`<h1>Not found</h1><p class="sub">${result.what} does not exist.</p>`,
      );
      return;
    case "page":
      sendPage(ctx, req, res, 200, result.title, result.main, result.section);
      return;
  }
}

function sendPage(
  ctx: DashboardContext,
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  title: string,
  main: ReturnType<typeof html>,
  section: Parameters<typeof layout>[0]["section"] = "overview",
): void {
  if (req.headers["x-pgqrs-fragment"] === "1") {
    // Live refresh asks for `<main>` only; an unchanged page answers 304 and the browser keeps its DOM.
    const etag = `"${createHash("sha1").update(main.text).digest("base64url")}"`;
    res.setHeader("etag", etag);
    res.setHeader("vary", "x-pgqrs-fragment");
    if (req.headers["if-none-match"] === etag) {
      res.writeHead(304, { "cache-control": "no-store" }).end();
      return;
    }
    send(res, status, "text/html; charset=utf-8", main.text);
    return;
  }
  const shell = {
    title,
    section,
    csrf: ctx.guard.csrf,
    signedIn: ctx.guard.tokenRequired,
    readOnly: ctx.readOnly,
    backend: ctx.store.backendName(),
    refreshMs: REFRESH_MS,
  };
  send(res, status, "text/html; charset=utf-8", layout(shell, main).text);
}
