/**
 * The Workers page lists live workers by default (issue 19 item 9): stopped and ephemeral (`__ephemeral__<uuid>`)
 * workers are left out and counted, with a "Show all" link (`?all=1`) that lists them too.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDashboard } from "../../src/dashboard/server.js";
import * as pgqrs from "../../src/index.js";
import { BACKENDS, dropSchema, freshDatabase } from "../support/backends.js";

describe.each(BACKENDS)("the Workers page on %s", (backend) => {
  const cleanups: (() => Promise<void>)[] = [];
  let url = "";
  let names: { live: string; stopped: string; ephemeral: string };

  beforeAll(async () => {
    const { dsn, schema } = freshDatabase(backend);
    const store = await pgqrs.connect(dsn, { schema });
    cleanups.push(() => store.close());
    if (backend === "postgres") cleanups.push(() => dropSchema(schema));
    await pgqrs.admin(store).install();
    await store.queue("emails");
    const live = await pgqrs.consumer("live-worker", "emails").create(store);
    const stopped = await pgqrs.consumer("stopped-worker", "emails").create(store);
    await stopped.suspend();
    await stopped.shutdown();
    // enqueue() without a named producer registers this store's ephemeral producer of the queue.
    await pgqrs.enqueue().message({ to: "a" }).to("emails").execute(store);
    const ephemeral = (await store.tables().workers().list()).find((w) => pgqrs.isEphemeralWorkerName(w.name));
    if (ephemeral === undefined) throw new Error("expected an ephemeral producer");
    names = { live: live.name, stopped: stopped.name, ephemeral: ephemeral.name };
    const view = await pgqrs.connect(dsn, { schema });
    cleanups.unshift(() => view.close());
    const dashboard = await startDashboard({ store: view, host: "127.0.0.1", port: 0, log: () => undefined });
    cleanups.unshift(() => dashboard.close());
    url = dashboard.url.replace(/\/$/, "");
  }, 60_000);

  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  });

  const page = async (path: string): Promise<string> => {
    const res = await fetch(`${url}${path}`);
    expect(res.status).toBe(200);
    return res.text();
  };

  it("lists live workers only, says how many are hidden, and links to all", async () => {
    const html = await page("/workers");
    expect(html).toContain(names.live);
    expect(html).not.toContain(names.stopped);
    expect(html).not.toContain(names.ephemeral);
    expect(html).toMatch(/2 stopped or ephemeral workers hidden/);
    expect(html).toContain('href="/workers?all=1"');
  });

  it("?all=1 lists every worker and links back to the tidy list; tabs and pages keep it", async () => {
    const html = await page("/workers?all=1");
    for (const name of Object.values(names)) expect(html).toContain(name);
    expect(html).toContain("Hide them");
    expect(html).toContain('href="/workers?status=stopped&amp;all=1"');
  });

  it("the stopped tab shows stopped workers, still without ephemeral ones unless all", async () => {
    const html = await page("/workers?status=stopped");
    expect(html).toContain(names.stopped);
    expect(html).not.toContain(names.live);
    expect(html).not.toContain(names.ephemeral);
    const ready = await page("/workers?status=ready");
    expect(ready).toContain(names.live);
    expect(ready).not.toContain(names.ephemeral);
    expect(ready).toMatch(/1 stopped or ephemeral worker hidden/);
    expect(await page("/workers?status=ready&all=1")).toContain(names.ephemeral);
  });
});
