/**
 * The run page's "Retry", "Resume now" and "Fork from step…" actions (issue 16 item 2) over HTTP, on each backend:
 * real runs served by a real worker are put in the state each action acts on, the page offers exactly the actions
 * that state allows, and each action is guarded like the others (token beyond loopback, page secret, same origin).
 * Refusals (wrong state, unknown step, unknown run, malformed id) answer a clear message and write nothing; a retry
 * replays the steps that succeeded and runs the failed one again, a resume ends a sleep now, a fork starts a new run
 * that replays the steps before the chosen one, and its answer links to the new run.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { forkPoints, runOperations } from "../../src/dashboard/pages/run-operations-view.js";
import * as pgqrs from "../../src/index.js";
import type { RunRecord, StepRecord, Store } from "../../src/index.js";
import { BACKENDS, dropSchema, freshDatabase } from "../support/backends.js";
import { stepsAToC } from "../support/served-workflow.js";
import { TOKEN } from "./harness.js";
import { type ActionReply, csrfOf, postAction, signIn, startDashboardPair } from "./post-action.js";

/** The store's manual clock stands still here: a sleep only ends when the test resumes it. */
const NOW = new Date("2026-01-01T00:00:00.000Z");
const HOUR = 3_600_000;

type Mode = "steps" | "nap" | "hold";
describe.each(BACKENDS)("run page: retry, resume and fork (%s)", (backend) => {
  const { dsn, schema } = freshDatabase(backend);
  let store: Store;
  let base = "";
  let guarded = "";
  const closers: (() => Promise<unknown>)[] = [];
  const ids = { failed: 0, napping: 0, cancelled: 0 };
  /** Executions of each step body of the "steps" runs; step "b" throws while `failB`. */
  const executed = { a: 0, b: 0, c: 0 };
  let failB = true;

  const def = pgqrs.defineWorkflow({ name: `dash_ops_${backend}` }, async (run, input: { mode: Mode }) => {
    if (input.mode === "nap") {
      await run.sleep("nap", HOUR);
      return "rested";
    }
    if (input.mode === "hold") return run.recv("hold", "go");
    return stepsAToC(run, executed, () => failB);
  });

  const runOf = (id: number): Promise<RunRecord> => pgqrs.admin(store).getRun(id);
  const stepsOf = (id: number): Promise<StepRecord[]> => store.tables().workflowSteps().listForRun(id);
  /** The run once it is `status`; a run that ends otherwise fails the setup with its error. */
  const reach = async (id: number, status: pgqrs.WorkflowStatus): Promise<RunRecord> => {
    const ended = ["SUCCESS", "ERROR", "CANCELLED"];
    const run = await vi.waitFor(
      async () => {
        const r = await runOf(id);
        if (r.status !== status && !ended.includes(r.status)) throw new Error(`run ${id} is ${r.status}`);
        return r;
      },
      { timeout: 30_000, interval: 20 },
    );
    expect(run.status, JSON.stringify(run.error)).toBe(status);
    return run;
  };
  const trigger = async (mode: Mode): Promise<number> =>
    (await pgqrs.workflow().name(def).trigger({ mode }).start(store)).run.id;
  /** Everything an action could write: the runs of the workflow and the steps of each. */
  const snapshot = async () => {
    const runs = await pgqrs.workflow(def.name).runs(store, { limit: 100 });
    return { runs, steps: await Promise.all(runs.map((r) => stepsOf(r.id))) };
  };
  const page = async (id: number): Promise<string> => {
    const res = await fetch(`${base}/runs/${id}`);
    expect(res.status).toBe(200);
    return res.text();
  };
  /** A dashboard's page secret (what its pages embed). */
  /** A loopback write with the page secret, as the page script sends it. */
  const post = postAction;
  const act = async (path: string, fields: Record<string, string> = {}): Promise<ActionReply> =>
    post(base, path, { "x-pgqrs-csrf": await csrfOf(base) }, fields);

  beforeAll(async () => {
    store = await pgqrs.connect(dsn, { schema, clock: new pgqrs.ManualClock(NOW), pollIntervalMs: 10 });
    closers.push(async () => {
      await store.close();
      if (backend === "postgres") await dropSchema(schema);
    });
    await pgqrs.admin(store).install();
    await pgqrs.workflow().name(def).create(store);
    const consumer = await store.consumer(def.name);
    const loop = pgqrs.workflow().name(def).consumer(consumer).poll(store);
    closers.unshift(async () => {
      await consumer.interrupt();
      await loop;
    });
    const dashboards = await startDashboardPair(store);
    closers.unshift(dashboards.close);
    ({ base, guarded } = dashboards);

    ids.failed = await trigger("steps");
    await reach(ids.failed, "ERROR");
    ids.napping = await trigger("nap");
    await reach(ids.napping, "PAUSED");
    ids.cancelled = await trigger("hold");
    await reach(ids.cancelled, "PAUSED");
    await pgqrs.workflow(def.name).cancel((await runOf(ids.cancelled)).messageId, store);
    await reach(ids.cancelled, "CANCELLED");
  }, 90_000);

  afterAll(async () => {
    for (const close of closers) await close().catch(() => undefined);
  });

  it("offers on each run exactly the actions its state allows, each confirmed", async () => {
    const failed = await page(ids.failed);
    expect(failed).toContain(`action="/actions/runs/${ids.failed}/retry"`);
    expect(failed).toMatch(new RegExp(`action="/actions/runs/${ids.failed}/retry" data-title="Retry run #`));
    expect(failed).not.toContain(`/actions/runs/${ids.failed}/resume`);
    expect(failed).not.toContain(`/actions/runs/${ids.failed}/cancel`);
    // The fork form lists the run's steps in order, confirmed like every action.
    expect(failed).toMatch(/<form class="inline fork-run"[^>]*data-confirm="A new run starts with the same input/);
    const options = [...failed.matchAll(/<option value="([^"]*)">/g)].map((m) => m[1]);
    expect(options).toEqual(["a", "b"]);

    const napping = await page(ids.napping);
    expect(napping).toContain(`action="/actions/runs/${ids.napping}/resume"`);
    expect(napping).toContain("Resume now");
    expect(napping).not.toContain(`/actions/runs/${ids.napping}/retry`);
    expect(napping).toContain(`/actions/runs/${ids.napping}/cancel`);
    expect(napping).toContain('<option value="nap">nap (sleep)</option>');

    const cancelled = await page(ids.cancelled);
    expect(cancelled).toContain(`action="/actions/runs/${ids.cancelled}/retry"`);
    expect(cancelled).not.toContain(`/actions/runs/${ids.cancelled}/resume`);
  });

  it('offers "Resume now" on a RUNNING run only while one of its steps waits for a scheduled retry', async () => {
    // Rendered directly from the failed run's real records, put in the state under test.
    const run = { ...(await runOf(ids.failed)), status: "RUNNING" as const, completedAt: null };
    const steps = await stepsOf(ids.failed);
    const failedStep = steps.find((s) => s.stepName === "b");
    if (failedStep === undefined) throw new Error("step b is missing");
    const withRetry = (retryAt: Date | null) =>
      steps.map((s) => (s === failedStep ? { ...s, status: "ERROR" as const, retryAt } : s));
    const resume = `action="/actions/runs/${run.id}/resume"`;
    expect(runOperations(run, withRetry(new Date(NOW.getTime() + 60_000)), "w", NOW).text).toContain(resume);
    expect(runOperations(run, withRetry(new Date(NOW.getTime() - 1)), "w", NOW).text).not.toContain(resume);
    expect(runOperations(run, withRetry(null), "w", NOW).text).not.toContain(resume);
    // Steps are offered to fork from once each, in the order the run first recorded them.
    expect(forkPoints([...steps, ...steps].reverse()).map((p) => p.name)).toEqual(["a", "b"]);
  });

  it("refuses a wrong state, an unknown step, an unknown run and a malformed id with a clear message, writing nothing", async () => {
    const before = await snapshot();
    const resumeFailed = await act(`/actions/runs/${ids.failed}/resume`);
    expect(resumeFailed.status).toBe(409);
    expect(resumeFailed.body).toMatchObject({
      ok: false,
      message: expect.stringContaining(`Run ${ids.failed} is ERROR`),
    });
    const retryPaused = await act(`/actions/runs/${ids.napping}/retry`);
    expect(retryPaused.status).toBe(409);
    expect(retryPaused.body.message).toMatch(/is PAUSED; only an ERROR or CANCELLED run can be retried/);
    const badStep = await act(`/actions/runs/${ids.failed}/fork`, { fromStep: "nope" });
    expect(badStep.status).toBe(400);
    expect(badStep.body.message).toContain("'nope' is not a step of run");
    const noStep = await act(`/actions/runs/${ids.failed}/fork`);
    expect(noStep.status).toBe(400);
    expect(noStep.body.message).toBe("Choose the step to fork from");
    for (const op of ["retry", "resume", "fork"]) {
      expect((await act(`/actions/runs/424242/${op}`, { fromStep: "a" })).status).toBe(404);
      expect((await act(`/actions/runs/abc/${op}`, { fromStep: "a" })).status).toBe(400);
      expect((await act(`/actions/runs/9007199254740993/${op}`, { fromStep: "a" })).status).toBe(400);
    }
    // Without the page secret a loopback dashboard refuses the write too.
    expect((await post(base, `/actions/runs/${ids.failed}/retry`, {})).status).toBe(403);
    expect(await snapshot()).toEqual(before);
  });

  it("beyond loopback: refused without the token, the page secret or from another origin, writing nothing", async () => {
    const before = await snapshot();
    const paths = [
      [`/actions/runs/${ids.failed}/retry`, {}],
      [`/actions/runs/${ids.napping}/resume`, {}],
      [`/actions/runs/${ids.failed}/fork`, { fromStep: "a" }],
    ] as const;
    const { cookie, csrf } = await signIn(guarded);
    for (const [path, fields] of paths) {
      expect((await post(guarded, path, {}, fields)).status).toBe(401);
      expect((await post(guarded, path, { authorization: "Bearer nope" }, fields)).status).toBe(401);
      expect((await post(guarded, path, { cookie: "pgqrs_session=forged" }, fields)).status).toBe(401);
      // Even the loopback dashboard's page secret is no token here.
      expect((await post(guarded, path, { "x-pgqrs-csrf": await csrfOf(base) }, fields)).status).toBe(401);
      expect((await post(guarded, path, { cookie }, fields)).status).toBe(403);
      expect((await post(guarded, path, { cookie, "x-pgqrs-csrf": "stale" }, fields)).status).toBe(403);
      const foreign = { cookie, "x-pgqrs-csrf": csrf, origin: "http://evil.example" };
      expect((await post(guarded, path, foreign, fields)).status).toBe(403);
      const crossSite = { authorization: `Bearer ${TOKEN}`, "sec-fetch-site": "cross-site" };
      expect((await post(guarded, path, crossSite, fields)).status).toBe(403);
    }
    expect(await snapshot()).toEqual(before);
  });

  it("retries a failed run: the step that succeeded replays, the failed step runs again, the run succeeds", async () => {
    expect(executed).toEqual({ a: 1, b: 1, c: 0 });
    failB = false;
    const retried = await act(`/actions/runs/${ids.failed}/retry`);
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ ok: true, message: expect.stringContaining(`Run ${ids.failed} is queued`) });
    const done = await reach(ids.failed, "SUCCESS");
    expect(done.output).toEqual({ a: "A", b: "B", c: "C" });
    expect(executed).toEqual({ a: 1, b: 2, c: 1 });
    const body = await page(ids.failed);
    expect(body).not.toContain(`/actions/runs/${ids.failed}/retry`);
    // A SUCCESS run is not retried: refused, nothing written.
    const before = await snapshot();
    const again = await act(`/actions/runs/${ids.failed}/retry`);
    expect(again.status).toBe(409);
    expect(again.body.message).toContain("is SUCCESS");
    expect(await snapshot()).toEqual(before);
  });

  it("forks a run from a step: a new run replays the steps before it, executes the rest, and is linked", async () => {
    const forked = await act(`/actions/runs/${ids.failed}/fork`, { fromStep: "b" });
    expect(forked.status).toBe(200);
    const newId = Number(/new run #(\d+)/.exec(forked.body.message ?? "")?.[1]);
    expect(newId).toBeGreaterThan(ids.failed);
    expect(forked.body).toMatchObject({ ok: true, location: `/runs/${newId}` });
    expect(forked.body.message).toContain(`Run ${ids.failed} forked from step "b"`);
    const fork = await reach(newId, "SUCCESS");
    expect(fork.output).toEqual({ a: "A", b: "B", c: "C" });
    expect(executed).toEqual({ a: 1, b: 3, c: 2 });
    expect((await runOf(ids.failed)).status).toBe("SUCCESS");
    const forkPage = await page(newId);
    expect(forkPage).toContain(`Run #${newId}`);
    expect(forkPage).toContain(
      ` · forked from <a href="/runs/${ids.failed}" data-testid="forked-from">run #${ids.failed}</a>`,
    );
    expect(await page(ids.failed)).not.toContain('data-testid="forked-from"');
    // A plain form post (no script) is sent to the new run's page.
    const csrf = await csrfOf(base);
    const res = await fetch(`${base}/actions/runs/${ids.failed}/fork`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", "x-pgqrs-csrf": csrf },
      body: new URLSearchParams({ fromStep: "c" }).toString(),
    });
    expect(res.status).toBe(303);
    const second = Number(/^\/runs\/(\d+)$/.exec(res.headers.get("location") ?? "")?.[1]);
    expect(second).toBeGreaterThan(newId);
    await reach(second, "SUCCESS");
    expect(executed).toEqual({ a: 1, b: 3, c: 3 });
  });

  it("resumes a sleeping run now, through the token-guarded dashboard with the token", async () => {
    const resumed = await post(guarded, `/actions/runs/${ids.napping}/resume`, { authorization: `Bearer ${TOKEN}` });
    expect(resumed.status).toBe(200);
    expect(resumed.body).toMatchObject({
      ok: true,
      message: expect.stringContaining(`Run ${ids.napping} resumes now`),
    });
    const done = await reach(ids.napping, "SUCCESS");
    expect(done.output).toBe("rested");
    expect(await page(ids.napping)).not.toContain(`/actions/runs/${ids.napping}/resume`);
  });
});
