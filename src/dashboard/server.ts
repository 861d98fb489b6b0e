/**
 * `startDashboard`: a small `node:http` server for the web dashboard. Pages are rendered on the server from the
 * library's public read API; a short browser script refreshes them live and confirms actions. No framework, no
 * build step, no files on disk.
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Store } from "../api/pgqrs-store.js";
import { isPgqrsError } from "../errors.js";
import { routeAction } from "./action-routes.js";
import { DashboardActions, describeFailure } from "./actions.js";
import { CLIENT_SCRIPT } from "./assets/client-script.js";
import { STYLES } from "./assets/styles.js";
import { escapeHtml, html } from "./html.js";
import { routePage } from "./page-routes.js";
import { layout } from "./pages/layout.js";
import { DashboardReads } from "./reads.js";
import { RequestGuard } from "./request-guard.js";

/** How often open pages refresh themselves, ms. */
const REFRESH_MS = 2_000;
/** Largest action request body accepted, bytes (actions carry two short secrets at most). */
const MAX_BODY = 16 * 1024;

const SECURITY_HEADERS = {
  "content-security-policy":
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
} as const;

/**
 * Serve the dashboard for `store` on `host:port` (port 0 picks a free one) until `close()`; the store stays open.
 * When `token` is set, every action must carry it (header `x-pgqrs-token`, `Authorization: Bearer …`, or form
 * field `token`). Reads are open; on a loopback host only requests naming that host are served.
 */
export async function startDashboard(opts: {
  store: Store;
  host: string;
  port: number;
  token?: string;
}): Promise<{ url: string; close(): Promise<void> }> {
  const reads = new DashboardReads(opts.store);
  const actions = new DashboardActions(opts.store, reads.admin);
  const guard = new RequestGuard({ host: opts.host, token: opts.token });
  const assets = {
    "/assets/app.css": asset(STYLES, "text/css; charset=utf-8"),
    "/assets/app.js": asset(CLIENT_SCRIPT, "text/javascript; charset=utf-8"),
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => fail(res, err));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const refusal = guard.checkHost(req);
    if (refusal !== null) return send(res, 403, "text/plain; charset=utf-8", refusal);
    const url = new URL(req.url ?? "/", "http://dashboard.invalid");
    if (req.method === "POST") return handleAction(req, res, url);
    if (req.method !== "GET") {
      res.setHeader("allow", "GET, POST");
      return send(res, 405, "text/plain; charset=utf-8", "Method not allowed");
    }
    const file = assets[url.pathname as keyof typeof assets];
    if (file !== undefined) return sendAsset(req, res, file);
    const result = await routePage(reads, url);
    switch (result.kind) {
      case "redirect":
        res.writeHead(303, { location: result.location, ...SECURITY_HEADERS }).end();
        return;
      case "json":
        return send(res, result.status, "application/json; charset=utf-8", JSON.stringify(result.body));
      case "not-found":
        return sendPage(
          req,
          res,
          404,
          "Not found",
          html`<h1>Not found</h1><p class="sub">${result.what} does not exist.</p>`,
        );
      case "page":
        return sendPage(req, res, 200, result.title, result.main, result.section);
    }
  }

  function sendPage(
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
      csrf: guard.csrf,
      tokenRequired: guard.tokenRequired,
      backend: opts.store.backendName(),
      refreshMs: REFRESH_MS,
    };
    send(res, status, "text/html; charset=utf-8", layout(shell, main).text);
  }

  async function handleAction(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const form = new URLSearchParams(await readBody(req));
    const refused = guard.checkWrite(req, form);
    if (refused !== null) return replyAction(req, res, refused.status, { ok: false, message: refused.reason });
    let result: Awaited<ReturnType<typeof routeAction>>;
    try {
      result = await routeAction(actions, url.pathname);
    } catch (err) {
      const shown = describeFailure(err);
      if (shown === null) throw err;
      return replyAction(req, res, 409, shown);
    }
    if (result === null) return replyAction(req, res, 404, { ok: false, message: "No such action" });
    replyAction(req, res, result.ok ? 200 : 409, result);
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  guard.setPort(address.port);
  const hostPart = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${hostPart}:${address.port}/`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err === undefined ? resolve() : reject(err)));
        server.closeAllConnections();
      }),
  };
}

interface Asset {
  body: string;
  type: string;
  etag: string;
}

function asset(body: string, type: string): Asset {
  return { body, type, etag: `"${createHash("sha1").update(body).digest("base64url")}"` };
}

function sendAsset(req: IncomingMessage, res: ServerResponse, a: Asset): void {
  res.setHeader("etag", a.etag);
  res.setHeader("cache-control", "no-cache");
  if (req.headers["if-none-match"] === a.etag) {
    res.writeHead(304).end();
    return;
  }
  res.writeHead(200, { "content-type": a.type, ...SECURITY_HEADERS }).end(a.body);
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { "content-type": type, "cache-control": "no-store", ...SECURITY_HEADERS }).end(body);
}

/** JSON for the browser script; a plain form post (no script) is sent back to the page it came from. */
function replyAction(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  body: { ok: boolean; message: string },
) {
  if ((req.headers.accept ?? "").includes("application/json") || status !== 200) {
    send(res, status, "application/json; charset=utf-8", JSON.stringify(body));
    return;
  }
  res.writeHead(303, { location: "/", ...SECURITY_HEADERS }).end();
}

async function readBody(req: IncomingMessage): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error("Request body too large");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function fail(res: ServerResponse, err: unknown): void {
  const message = isPgqrsError(err) ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  send(res, 500, "text/html; charset=utf-8", `<!doctype html><title>Error</title><pre>${escapeHtml(message)}</pre>`);
}
