/**
 * Issue 16, item 5: a run paused by its code shows as paused with its resume time in human units; the stored pause
 * (`{ message, resume_after }`, seconds) never reaches the page beside them. Rendered directly (no server).
 */
import { describe, expect, it } from "vitest";
import { runPage } from "../../src/dashboard/pages/run-page.js";
import { workflowsPage } from "../../src/dashboard/pages/workflows-page.js";
import type { RunRecord, RunSummary, WorkflowStatus } from "../../src/index.js";
import { pauseInfo } from "../../src/workflow/pause-info.js";

const NOW = new Date("2026-01-01T00:00:00.000Z");
const RESUMES = new Date(NOW.getTime() + 2 * 3_600_000);

const paused = (over: Partial<RunRecord> = {}): RunRecord => ({
  id: 9,
  workflowId: 1,
  messageId: 9,
  status: "PAUSED",
  input: { input: null },
  output: null,
  error: { message: "waiting for <b>approval</b>", resume_after: 7200 },
  createdAt: NOW,
  updatedAt: NOW,
  startedAt: NOW,
  pausedAt: NOW,
  completedAt: null,
  workerId: null,
  attempts: 1,
  parentRunId: null,
  forkedFromRunId: null,
  waitingFor: { kind: "pause", until: RESUMES },
  version: null,
  ...over,
});

const page = (run: RunRecord) =>
  runPage({ run, workflow: null, steps: [], messages: [], events: [], children: [], childNames: new Map(), now: NOW })
    .text;

describe("run page of a paused run", () => {
  it("shows the reason and the resume time in human units, never the stored seconds", () => {
    const body = page(paused());
    expect(body).toContain("Paused: waiting for &lt;b&gt;approval&lt;/b&gt; (resumes at");
    expect(body).toContain('<time datetime="2026-01-01T02:00:00.000Z">2026-01-01 02:00:00.000 UTC</time>');
    expect(body).toMatch(/>in 2\.0 h<\/time>\)/);
    expect(body).toContain(
      '<pre class="json" data-testid="pause-reason">waiting for &lt;b&gt;approval&lt;/b&gt;</pre>',
    );
    expect(body).not.toContain("resume_after");
    expect(body).not.toContain("7200");
    expect(body).not.toContain('class="json error"');
  });

  it("computes the resume time of a pause pgqrs wrote (no waitingFor) from its stored seconds", () => {
    const run = paused({ waitingFor: null, pausedAt: new Date(NOW.getTime() - 60_000) });
    expect(pauseInfo(run)).toEqual({
      reason: "waiting for <b>approval</b>",
      resumesAt: new Date(NOW.getTime() - 60_000 + 7_200_000),
    });
    const body = page(run);
    expect(body).toContain('<time datetime="2026-01-01T01:59:00.000Z">');
    expect(body).not.toContain("resume_after");
  });

  it("has no pause info for runs that do not wait for a pause", () => {
    expect(pauseInfo(paused({ waitingFor: { kind: "sleep", until: RESUMES } }))).toBeNull();
    expect(pauseInfo(paused({ status: "RUNNING" }))).toBeNull();
  });
});

describe("runs table of the workflows page", () => {
  const summary = (over: Partial<RunSummary>): RunSummary => ({
    id: 9,
    workflow: "approvals",
    messageId: 9,
    status: "PAUSED",
    input: null,
    output: null,
    error: { message: "waiting for approval", resume_after: 7200 },
    createdAt: NOW,
    startedAt: NOW,
    completedAt: null,
    workerId: null,
    attempts: 1,
    waitingFor: { kind: "pause", until: RESUMES },
    version: null,
    ...over,
  });
  const counts = Object.fromEntries(
    ["QUEUED", "RUNNING", "PAUSED", "SUCCESS", "ERROR", "CANCELLING", "CANCELLED"].map((s) => [s, 0]),
  ) as Record<WorkflowStatus, number>;
  const table = (rows: RunSummary[]) =>
    workflowsPage({
      definitions: { rows: [], page: 1, hasNext: false, matching: 0, search: undefined },
      queueOf: new Map(),
      names: new Map(),
      workflowId: undefined,
      status: undefined,
      counts,
      runs: { rows, cursor: undefined, nextCursor: null },
      searched: undefined,
      now: NOW,
    }).text;

  it("shows a paused run's reason and resume time in its error column, not the stored seconds", () => {
    const body = table([summary({})]);
    expect(body).toMatch(
      /<span data-testid="paused-run">paused: waiting for approval \(resumes <time[^>]*>in 2\.0 h<\/time>\)/,
    );
    expect(body).not.toContain("resume_after");
    // A failed run still shows its error.
    const failed = table([summary({ status: "ERROR", waitingFor: null, error: { message: "boom" } })]);
    expect(failed).toContain("boom");
    expect(failed).not.toContain("paused-run");
  });
});
