/**
 * docs/guides/production.md's Dockerfile and Kubernetes manifest, run against a real PostgreSQL database: the manifest
 * parses and agrees with the Dockerfile and the worker program; the install Job and the readiness probe run; the
 * liveness probe's exact command answers for a healthy and for a stale worker. The connection budget is measured in
 * `pg_stat_activity`. The commands run the built dist/ CLI (npm test builds first). The guide's blocks and shared
 * setups are in production-guide-support.ts.
 */
import pg from "pg";
import { parseAllDocuments } from "yaml";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import * as pgqrs from "../../src/index.js";
import { runGuideCommand, titled } from "./production-fixtures/guide-programs.js";
import { blocks, type Db, emailsQueue, ofLang } from "./production-guide-support.js";
import { createDatabase } from "./sample-support.js";

vi.setConfig({ testTimeout: 180_000, hookTimeout: 60_000 });

describe("the production guide", () => {
  describe("on postgres: Docker and Kubernetes", () => {
    let db: Db;
    const docs = parseAllDocuments(ofLang("yaml")[0]?.code ?? "").map((d) => d.toJS() as Record<string, unknown>);
    const job = docs.find((d) => d.kind === "Job") as unknown as K8sJob;
    const deployment = docs.find((d) => d.kind === "Deployment") as unknown as K8sDeployment;
    const container = deployment?.spec.template.spec.containers[0];
    const dockerfile = ofLang("dockerfile")[0]?.code ?? "";
    const env = () => ({ PGQRS_DSN: db.dsn });

    beforeAll(async () => {
      db = await createDatabase("postgres");
    });
    afterAll(async () => {
      await db?.drop();
    });

    it("the manifest parses: an install Job, a Deployment running the worker with a grace period above stop's timeout", () => {
      expect(docs.map((d) => d.kind)).toEqual(["Job", "Deployment"]);
      expect(container?.command).toEqual(["node", "dist/worker.js"]);
      const timeoutMs = Number(
        /worker\.stop\(\{ timeoutMs: ([\d_]+) \}\)/.exec(titled(blocks, "worker.ts"))?.[1]?.replaceAll("_", ""),
      );
      expect(deployment.spec.template.spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(timeoutMs);
      // The Dockerfile runs the same command (exec form, so SIGTERM reaches node) and probes as the liveness probe.
      const instruction = (name: string) => dockerfile.split("\n").find((l) => l.startsWith(`${name} `)) ?? "";
      expect(JSON.parse(instruction("CMD").slice(4))).toEqual(container?.command);
      const healthcheck = JSON.parse(instruction("HEALTHCHECK").replace(/^.* CMD /, "")) as string[];
      expect(healthcheck).toEqual(container?.livenessProbe.exec.command);
      expect(dockerfile).toContain("npm ci --omit=dev");
    });

    it("the Job's install and the readiness probe run: verify fails before install, succeeds after", async () => {
      const ready = container?.readinessProbe.exec.command ?? [];
      expect((await runGuideCommand(ready, env())).code).toBe(1);
      const install = job.spec.template.spec.containers[0]?.command ?? [];
      const installed = await runGuideCommand(install, env());
      expect(installed.code, installed.stderr).toBe(0);
      expect((await runGuideCommand(install, env())).code).toBe(0); // a rerun of the Job changes nothing
      expect((await runGuideCommand(ready, env())).code).toBe(0);
    });

    it("the liveness probe's exact command: 0 with a live worker, 1 with a stale one, 0 once it is reclaimed", async () => {
      const probe = container?.livenessProbe.exec.command ?? [];
      expect(probe.slice(1)).toEqual(["worker", "health", "--stale-after", "60"]);
      await emailsQueue(db.dsn);
      const store = await pgqrs.connect(db.dsn);
      // A process frozen 2 minutes ago: its worker's heartbeat stays where its clock stopped.
      const frozen = await pgqrs.connect(db.dsn, { clock: new pgqrs.ManualClock(Date.now() - 120_000) });
      try {
        const live = await pgqrs.consumer("live-worker", "emails").create(store);
        const healthy = await runGuideCommand(probe, env());
        expect(healthy.code, `${healthy.stdout}${healthy.stderr}`).toBe(0);

        await pgqrs.consumer("frozen-worker", "emails").create(frozen);
        const stale = await runGuideCommand(probe, env());
        expect(stale.code, stale.stdout).toBe(1);
        expect(stale.stdout).toContain("1 stale worker(s)");

        // A restart that takes the dead worker's name is refused until the dead worker is reclaimed.
        const restart = () => pgqrs.consumer("frozen-worker", "emails").create(store);
        const refused = await restart().catch((err: unknown) => err);
        expect(pgqrs.isPgqrsError(refused, "VALIDATION_FAILED"), String(refused)).toBe(true);

        // What a live loop of the queue does within about 45 s, or an operator at once.
        const reclaim = await runGuideCommand(["pgqrs", "worker", "reclaim", "emails", "--older-than", "60"], env());
        expect(reclaim.code, reclaim.stderr).toBe(0);
        expect((await runGuideCommand(probe, env())).code).toBe(0);
        await (await restart()).stop();

        // A dead named admin worker has no queue: no loop reclaims it; an operator shuts it down.
        const admin = await frozen.admin("frozen-admin");
        expect((await runGuideCommand(probe, env())).code).toBe(1);
        const shutdown = await runGuideCommand(["pgqrs", "worker", "shutdown", String(await admin.workerId())], env());
        expect(shutdown.code, shutdown.stderr).toBe(0);
        expect((await runGuideCommand(probe, env())).code).toBe(0);
        await live.stop();
      } finally {
        await frozen.close();
        await store.close();
      }
    });

    it("a store opens at most maxConnections pooled connections and one LISTEN connection, whatever the concurrency", async () => {
      const dbName = new URL(db.dsn).pathname.slice(1);
      await emailsQueue(db.dsn);
      const store = await pgqrs.connect(db.dsn, { maxConnections: 4 });
      const monitor = new pg.Client({ connectionString: db.dsn });
      await monitor.connect();
      const seen = { max: 0, listen: false };
      const sample = async () => {
        const r = await monitor.query<{ query: string }>(
          "SELECT query FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
          [dbName],
        );
        seen.max = Math.max(seen.max, r.rows.length);
        seen.listen ||= r.rows.some((row) => row.query.startsWith("LISTEN"));
      };
      try {
        const ids = await pgqrs
          .enqueue()
          .messages(Array.from({ length: 300 }, (_, i) => ({ to: `u${i}@example.com` })))
          .to("emails")
          .execute(store);
        const stop = new AbortController();
        let handled = 0;
        const loop = pgqrs
          .dequeue()
          .from("emails")
          .concurrency(16)
          .signal(stop.signal)
          .handle(async () => {
            await new Promise((r) => setTimeout(r, 5));
            handled++;
          })
          .poll(store);
        while (handled < ids.length) await sample();
        // Idle: the loop waits on LISTEN.
        for (let i = 0; i < 20; i++) await sample();
        stop.abort();
        await loop;
        expect(seen.max).toBeGreaterThan(1);
        expect(seen.max).toBeLessThanOrEqual(4 + 1);
        expect(seen.listen).toBe(true);
      } finally {
        await monitor.end();
        await store.close();
      }
    });
  });
});

interface K8sContainer {
  command: string[];
  readinessProbe: { exec: { command: string[] } };
  livenessProbe: { exec: { command: string[] } };
}
interface K8sJob {
  spec: { template: { spec: { containers: K8sContainer[] } } };
}
interface K8sDeployment {
  spec: { template: { spec: { terminationGracePeriodSeconds: number; containers: K8sContainer[] } } };
}
