/**
 * `startDashboard`: a small `node:http` server for the web dashboard. Pages are rendered on the server from the
 * library's read API; a short browser script refreshes them live and confirms actions. No framework, no build
 * step, no files on disk. Who may do what is decided by the {@link RequestGuard}.
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Store } from "../api/pgqrs-store.js";
import { isPgqrsError } from "../errors.js";
import { routeAction } from "./action-routes.js";
import { type ActionResult, DashboardActions, describeFailure } from "./actions.js";
import { CLIENT_SCRIPT } from "./assets/client-script.generated.js";
import { STYLES } from "./assets/styles.js";
import { html } from "./html.js";
import { asset, BodyTooLarge, readBody, redirect, replyAction, send, sendAsset, sendText } from "./http-replies.js";
import { routePage } from "./page-routes.js";
import { layout } from "./pages/layout.js";
import { loginPage, safeNext } from "./pages/login-page.js";
import { MetricsRoute } from "./metrics-route.js";
import { DashboardReads } from "./reads.js";
import { RequestGuard } from "./request-guard.js";

/** How often open pages refresh themselves, ms. */
const REFRESH_MS = 2_000;

export interface DashboardOptions {
  store: Store;
  /** Interface to listen on. Beyond loopback (`0.0.0.0`, a LAN address…) a `token` is required. */
  host: string;
  /** Port; 0 picks a free one. */
  port: number;
  /**
   * The secret every request must carry (login form → session cookie, or `Authorization: Bearer`), pages and
   * assets included. Required when `host` is not a loopback address; optional on loopback.
   */
  token?: string;
  /**
   * Extra `Host` names to answer besides the loopback names and the bound address (a reverse proxy's public
   * name; `name:port` to name its port). Requests for any other name get 403 (DNS rebinding).
   */
  allowedHosts?: readonly string[];
  /**
   * A second secret that opens `/metrics` only (Prometheus sends it as `Authorization: Bearer`), so a scraper never
   * holds the dashboard token. `/metrics` also answers whatever the dashboard's own rules let in.
   */
  metricsToken?: string;
  /** Where server-side errors are written (their details never reach the browser). Default: stderr. */
  log?: (line: string) => void;
  /**
   * Serve a view only: pages show no action buttons or forms, the header says "read-only", and every action
   * (POST under `/actions/`) is refused with 403 and code `READ_ONLY`, writing nothing, whoever sends it. Pages,
   * `/metrics`, sign-in and sign-out work as usual. Default: false.
   */
  readOnly?: boolean;
}

/** The answer to every action of a read-only dashboard. */
export const READ_ONLY_REFUSAL = {
  ok: false,
  code: "READ_ONLY",
  message: "This dashboard is read-only (started with --read-only): it takes no actions; nothing was done",
} as const satisfies ActionResult;

/**
 * Serve the dashboard for `store` on `host:port` until `close()`; the store stays open. INVALID_CONFIG when `host`
 * is beyond loopback and no token is given, or an allowed host is malformed.
 */
export async function startDashboard(opts: DashboardOptions): Promise<{ url: string; close(): Promise<void> }> {
  const guard = new RequestGuard({ host: opts.host, token: opts.token, allowedHosts: opts.allowedHosts ?? [] });
  const reads = new DashboardReads(opts.store);
  const actions = new DashboardActions(opts.store, reads.admin);
  const readOnly = opts.readOnly ?? false;
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const metricsRoute = new MetricsRoute(opts.store, guard, opts.metricsToken, log);
  const assets = {
    "/assets/app.css": asset(STYLES, "text/css; charset=utf-8"),
    "/assets/app.js": asset(CLIENT_SCRIPT, "text/javascript; charset=utf-8"),
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => fail(req, res, err));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const refusal = guard.checkHost(req);
    if (refusal !== null) return sendText(res, 403, refusal);
    const url = new URL(req.url ?? "/", "http://dashboard.invalid");
    if (url.pathname === "/login") return handleLogin(req, res, url);
    if (url.pathname === "/metrics") return metricsRoute.serve(req, res);
    if (url.pathname === "/logout" && req.method === "POST") {
      const crossSite = guard.checkSameOrigin(req);
      if (crossSite !== null) return sendText(res, 403, crossSite);
      return redirect(res, "/login", { "set-cookie": guard.auth.logout() });
    }
    if (!guard.auth.allows(req)) return unauthenticated(req, res, url);
    if (req.method === "POST") return handleAction(req, res, url);
    if (req.method !== "GET") {
      res.setHeader("allow", "GET, POST");
      return sendText(res, 405, "Method not allowed");
    }
    const file = assets[url.pathname as keyof typeof assets];
    if (file !== undefined) return sendAsset(req, res, file);
    const result = await routePage(reads, url, { readOnly });
    switch (result.kind) {
      case "redirect":
        return redirect(res, result.location);
      case "json":
        return send(res, result.status, "application/json; charset=utf-8", JSON.stringify(result.body));
      case "bad-request":
        return sendPage(req, res, 400, "Bad request", html`<h1>Bad request</h1><p class="sub">${result.message}.</p>`);
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

  async function handleLogin(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
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
      signedIn: guard.tokenRequired,
      readOnly,
      backend: opts.store.backendName(),
      refreshMs: REFRESH_MS,
    };
    send(res, status, "text/html; charset=utf-8", layout(shell, main).text);
  }

  async function handleAction(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const form = new URLSearchParams(await readBody(req));
    // Checked here, on the server, for every path: hiding the buttons alone would leave the routes open.
    if (readOnly) return replyAction(req, res, 403, READ_ONLY_REFUSAL);
    const refused = guard.checkWrite(req, form);
    if (refused !== null) return replyAction(req, res, refused.status, { ok: false, message: refused.reason });
    let result: Awaited<ReturnType<typeof routeAction>>;
    try {
      result = await routeAction(actions, url.pathname, form);
    } catch (err) {
      const shown = describeFailure(err);
      if (shown === null) throw err;
      return replyAction(req, res, 409, shown);
    }
    if (result === null) return replyAction(req, res, 404, { ok: false, message: "No such action" });
    if (result === "bad-id") return replyAction(req, res, 400, { ok: false, message: "Malformed id in the path" });
    replyAction(req, res, result.ok ? 200 : result.missing ? 404 : result.invalid ? 400 : 409, result);
  }

  /** Details go to the server's log only: a 500 page names no database user, host or database. */
  function fail(req: IncomingMessage, res: ServerResponse, err: unknown): void {
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
