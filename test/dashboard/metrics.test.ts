/**
 * The dashboard's `/metrics` (issue 19): Prometheus text of the dashboard's database, parsed; who may scrape (the
 * dashboard's own rules, or the separate metrics token, which opens nothing else); read-only; Host checked. Raw HTTP
 * requests (as Prometheus sends them), on both backends.
 */
import { describe, expect, it } from "vitest";
import { startDashboard } from "../../src/dashboard/server.js";
import * as pgqrs from "../../src/index.js";
import { BACKENDS } from "../support/backends.js";
import { conventionProblems, parsePrometheus, valueIn } from "../support/prometheus-text.js";
import { openTestStore } from "../support/stores.js";
import { rawRequest as call } from "../support/raw-http.js";
import { TOKEN } from "./harness.js";

const SCRAPE_TOKEN = "prometheus scrape secret";

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe.each(BACKENDS)("dashboard /metrics on %s", (backend) => {
  it("serves the database's metrics to the metrics token or the dashboard's own auth, and nothing else", async () => {
    const t = await openTestStore(backend);
    await pgqrs.admin(t.store).createQueue("dash_jobs");
    const producer = await t.store.producer("dash_jobs");
    await producer.enqueueBatch([{ i: 1 }, { i: 2 }]);
    const dashboard = await startDashboard({
      store: t.store,
      host: "127.0.0.1",
      port: 0,
      token: TOKEN,
      metricsToken: SCRAPE_TOKEN,
      log: () => undefined,
    });
    try {
      const port = Number(new URL(dashboard.url).port);
      const scraped = await call(port, "/metrics", { headers: bearer(SCRAPE_TOKEN) });
      expect(scraped.status).toBe(200);
      expect(scraped.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(conventionProblems(scraped.body)).toEqual([]);
      const families = parsePrometheus(scraped.body);
      expect(valueIn(families, "pgqrs_queue_messages", { queue: "dash_jobs", state: "pending" })).toBe(2);
      expect(valueIn(families, "pgqrs_workers", { queue: "dash_jobs", status: "ready" })).toBe(1);

      // The dashboard's own bearer token works too; no credentials, or a wrong one, get 401 asking for a bearer.
      expect((await call(port, "/metrics", { headers: bearer(TOKEN) })).status).toBe(200);
      const anonymous = await call(port, "/metrics");
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers["www-authenticate"]).toMatch(/^Bearer /);
      expect((await call(port, "/metrics", { headers: bearer("wrong") })).status).toBe(401);

      // The metrics token opens /metrics only: no page, no API, no action.
      for (const path of ["/", "/workers", "/api/overview"]) {
        expect((await call(port, path, { headers: bearer(SCRAPE_TOKEN) })).status).toBe(401);
      }
      const post = await call(port, "/metrics", { method: "POST", headers: bearer(SCRAPE_TOKEN) });
      expect(post.status).toBe(405);
      expect(post.headers.allow).toBe("GET, HEAD");
      const head = await call(port, "/metrics", { method: "HEAD", headers: bearer(SCRAPE_TOKEN) });
      expect(head.status).toBe(200);
      expect(head.body).toBe("");

      // A DNS-rebinding Host is refused before anything else.
      const rebound = await call(port, "/metrics", {
        headers: { ...bearer(SCRAPE_TOKEN), host: `evil.example:${port}` },
      });
      expect(rebound.status).toBe(403);
    } finally {
      await dashboard.close();
    }
  });

  it("without a dashboard token (loopback) /metrics is open like the dashboard itself", async () => {
    const t = await openTestStore(backend);
    await pgqrs.admin(t.store).createQueue("open_jobs");
    const dashboard = await startDashboard({ store: t.store, host: "127.0.0.1", port: 0, log: () => undefined });
    try {
      const port = Number(new URL(dashboard.url).port);
      const reply = await call(port, "/metrics");
      expect(reply.status).toBe(200);
      expect(valueIn(parsePrometheus(reply.body), "pgqrs_queue_dead_letters", { queue: "open_jobs" })).toBe(0);
    } finally {
      await dashboard.close();
    }
  });
});
