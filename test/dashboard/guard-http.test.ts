/**
 * The dashboard's request rules, one by one, with raw HTTP requests (curl-style: any Host, any header): Host
 * allow-list on every bind, the token on every request beyond loopback (pages, API, assets, refresh, actions),
 * login cookie and bearer header, refusing to start beyond loopback without a token, 413 for big bodies, 400/404
 * for route ids. The rules do not touch storage, so one backend (SQLite) serves them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDashboard } from "../../src/dashboard/server.js";
import * as pgqrs from "../../src/index.js";
import type { Store } from "../../src/index.js";
import { freshDatabase } from "../support/backends.js";
import { rawRequest as call } from "../support/raw-http.js";
import { TOKEN } from "./harness.js";

/** The secret payload the refused requests must never show: a full card number, which no port or id can contain by chance. */
const CARD = "4111-1111-1111-1111";
let store: Store;
let messageId: number;
let workerId: number;
const servers: { close(): Promise<void> }[] = [];

async function serve(host: string, extra: { token?: string; allowedHosts?: string[] } = {}): Promise<number> {
  const s = await startDashboard({ store, host, port: 0, ...extra });
  servers.push(s);
  return Number(new URL(s.url).port);
}

beforeAll(async () => {
  const { dsn, schema } = freshDatabase("sqlite");
  store = await pgqrs.connect(dsn, { schema });
  await pgqrs.admin(store).install();
  await pgqrs.admin(store).createQueue("secrets");
  const producer = await store.producer("secrets", "guard-producer");
  [messageId] = (await producer.enqueueBatch([{ card: CARD }])).map((m) => m.id) as [number];
  workerId = producer.workerId();
});

afterAll(async () => {
  for (const s of servers) await s.close();
  await store.close();
});

describe("Host allow-list (every bind)", () => {
  it("on 127.0.0.1 serves loopback names with the bound port only", async () => {
    const port = await serve("127.0.0.1");
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`]) {
      expect((await call(port, "/", { headers: { host } })).status, host).toBe(200);
    }
    for (const host of [
      `evil.example:${port}`,
      "evil.example",
      `localhost.evil.example:${port}`,
      `127.0.0.1:${port + 1}`,
      "localhost",
      "bad host!",
    ]) {
      const r = await call(port, `/api/messages/${messageId}`, { headers: { host } });
      expect(r.status, host).toBe(403);
      expect(r.body).not.toContain(CARD);
    }
  });

  it("beyond loopback serves the bound address and each allowed host, and nothing else", async () => {
    const port = await serve("0.0.0.0", { token: TOKEN, allowedHosts: ["dash.example", "proxy.example:443"] });
    const bearer = { authorization: `Bearer ${TOKEN}` };
    const ok = [`127.0.0.1:${port}`, `dash.example:${port}`, "dash.example", "proxy.example"];
    for (const host of ok) expect((await call(port, "/", { headers: { ...bearer, host } })).status, host).toBe(200);
    for (const host of [`evil.example:${port}`, `proxy.example:${port}`, `dash.example:${port + 1}`, "0.0.0.0:1"]) {
      const r = await call(port, `/api/messages/${messageId}`, { headers: { ...bearer, host } });
      expect(r.status, host).toBe(403);
      expect(r.body).not.toContain(CARD);
    }
  });

  it("refuses a malformed allowed host", async () => {
    await expect(serve("127.0.0.1", { allowedHosts: ["http://x/"] })).rejects.toMatchObject({ code: "INVALID_CONFIG" });
  });
});

describe("token beyond loopback", () => {
  it("refuses to start on 0.0.0.0 or a LAN address without a token", async () => {
    for (const host of ["0.0.0.0", "::"]) {
      await expect(serve(host)).rejects.toMatchObject({
        code: "INVALID_CONFIG",
        message: expect.stringContaining("PGQRS_DASHBOARD_TOKEN"),
      });
    }
  });

  it("requires the token for pages, the API, assets, refreshes and actions; the login form opens a session", async () => {
    const port = await serve("0.0.0.0", { token: TOKEN });
    const html = { accept: "text/html" };
    // Without the token: a browser is sent to the login page; everything else is 401, and no data leaks.
    const page = await call(port, "/workers", { headers: html });
    expect(page.status).toBe(303);
    expect(page.headers.location).toBe("/login?next=%2Fworkers");
    for (const path of [`/api/messages/${messageId}`, "/assets/app.js", "/assets/app.css", "/"]) {
      const r = await call(port, path);
      expect(r.status, path).toBe(401);
      expect(r.headers["www-authenticate"]).toContain("Bearer");
      expect(r.body).not.toContain(CARD);
    }
    expect((await call(port, "/", { headers: { ...html, "x-pgqrs-fragment": "1" } })).status).toBe(401);
    expect((await call(port, "/actions/zombies/reclaim", { method: "POST" })).status).toBe(401);
    const login = await call(port, "/login");
    expect(login.status).toBe(200);
    expect(login.body).not.toContain("data-csrf");

    // A wrong token at the form: 401, no cookie.
    const form = { "content-type": "application/x-www-form-urlencoded" };
    const wrong = await call(port, "/login", { method: "POST", headers: form, body: "token=nope&next=%2F" });
    expect(wrong.status).toBe(401);
    expect(wrong.headers["set-cookie"]).toBeUndefined();
    // A login posted from another site is refused even with the right token.
    const crossSite = { ...form, origin: "http://evil.example" };
    const body = new URLSearchParams({ token: TOKEN, next: "/workers" }).toString();
    expect((await call(port, "/login", { method: "POST", headers: crossSite, body })).status).toBe(403);

    const right = await call(port, "/login", { method: "POST", headers: form, body });
    expect(right.status).toBe(303);
    expect(right.headers.location).toBe("/workers");
    const setCookie = String(right.headers["set-cookie"]);
    expect(setCookie).toMatch(/^pgqrs_session=[\w-]+; Path=\/; HttpOnly; SameSite=Strict$/);
    expect(setCookie).not.toContain(encodeURIComponent(TOKEN).slice(0, 8));
    const cookie = setCookie.split(";")[0] ?? "";
    const msg = await call(port, `/api/messages/${messageId}`, { headers: { cookie } });
    expect(msg.status).toBe(200);
    expect(msg.body).toContain(CARD);
    expect((await call(port, "/assets/app.js", { headers: { cookie } })).status).toBe(200);
    expect((await call(port, `/api/messages/${messageId}`, { headers: { cookie: "pgqrs_session=x" } })).status).toBe(
      401,
    );

    // Bearer: reads, and writes without the page secret (browsers never add this header on their own).
    const bearer = { authorization: `Bearer ${TOKEN}` };
    expect((await call(port, `/api/messages/${messageId}`, { headers: bearer })).status).toBe(200);
    const act = await call(port, `/actions/workers/${workerId}/suspend`, {
      method: "POST",
      headers: { ...bearer, accept: "application/json" },
    });
    expect(act.status).toBe(200);
    expect((await store.tables().workers().get(workerId))?.status).toBe("suspended");
    await pgqrs.admin(store).transitionWorker(workerId, "resume");
    // The cookie alone does not make a write: the page secret is still needed.
    expect((await call(port, "/actions/zombies/reclaim", { method: "POST", headers: { cookie } })).status).toBe(403);

    // Sign-out clears the cookie.
    const out = await call(port, "/logout", { method: "POST", headers: { cookie } });
    expect(out.status).toBe(303);
    expect(String(out.headers["set-cookie"])).toContain("Max-Age=0");
  });

  it("open redirects are not possible through the login form", async () => {
    const port = await serve("127.0.0.1", { token: TOKEN });
    const form = { "content-type": "application/x-www-form-urlencoded" };
    const hidden = ["/\t/evil.example/x", "/\n/evil.example", "/\r/evil.example", "/\u0000/evil.example"];
    for (const next of [
      "//evil.example/",
      "https://evil.example/",
      "/\\evil.example",
      "javascript:alert(1)",
      ...hidden,
    ]) {
      const body = new URLSearchParams({ token: TOKEN, next }).toString();
      const r = await call(port, "/login", { method: "POST", headers: form, body });
      expect(r.headers.location, next).toBe("/");
    }
  });
});

describe("bodies, ids and errors", () => {
  it("answers 413 to a body over the limit, declared or streamed", async () => {
    const port = await serve("127.0.0.1");
    const big = Buffer.alloc(2 * 1024 * 1024, 97);
    const declared = await call(port, "/actions/zombies/reclaim", { method: "POST", body: big });
    expect(declared.status).toBe(413);
    const login = await call(await serve("127.0.0.1", { token: TOKEN }), "/login", { method: "POST", body: big });
    expect(login.status).toBe(413);
  });

  it("checks ids in routes: malformed or above 2^53 is 400, absent is 404", async () => {
    const port = await serve("127.0.0.1");
    const bad = ["0", "abc", "1.5", "-1", "9007199254740993", "99999999999999999999999", "%31%00"];
    for (const id of bad) {
      expect((await call(port, `/api/messages/${id}`)).status, id).toBe(400);
      expect((await call(port, `/queues/${id}`)).status, id).toBe(400);
      expect((await call(port, `/runs/${id}`)).status, id).toBe(400);
    }
    expect((await call(port, "/workflows?workflow=9007199254740993")).status).toBe(400);
    expect((await call(port, "/api/messages/9007199254740991")).status).toBe(404);
    expect((await call(port, "/queues/9007199254740991")).status).toBe(404);
    expect((await call(port, "/runs/424242")).status).toBe(404);
    const page = await call(port, "/");
    const csrf = /data-csrf="([^"]+)"/.exec(page.body)?.[1] ?? "";
    const post = (path: string) =>
      call(port, path, { method: "POST", headers: { "x-pgqrs-csrf": csrf, accept: "application/json" } });
    expect((await post("/actions/runs/9007199254740993/cancel")).status).toBe(400);
    expect((await post("/actions/workers/0/suspend")).status).toBe(400);
    expect((await post("/actions/queues/1/messages/abc/replay")).status).toBe(400);
    expect((await post("/actions/runs/424242/cancel")).status).toBe(404);
    expect((await post("/actions/workers/424242/suspend")).status).toBe(404);
  });
});
