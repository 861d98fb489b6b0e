/**
 * The run page's operations on a run (issue 16): "Retry" an ERROR or CANCELLED run, "Resume now" a waiting one (PAUSED,
 * or RUNNING with a step retry scheduled), "Fork from step…" any run with recorded steps. Each is a form the page script confirms in a dialog and posts with the page secret,
 * like the other actions; the server refuses what the run's state does not allow, writing nothing.
 */
import type { RunRecord, StepRecord } from "../../types.js";
import { type Html, html } from "../html.js";
import { actionForm } from "./layout.js";

/** Statuses `admin.retryRun` acts on. */
const RETRYABLE = new Set(["ERROR", "CANCELLED"]);

/** The step names a fork may start from, in the order the run first recorded them (each once). */
export function forkPoints(steps: readonly StepRecord[]): { name: string; kind: string }[] {
  const seen = new Set<string>();
  return [...steps]
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id - b.id)
    .filter((s) => !seen.has(s.stepName) && seen.add(s.stepName))
    .map((s) => ({ name: s.stepName, kind: s.kind }));
}

/** The buttons the run's status allows (nothing for the others). */
export function runOperations(run: RunRecord, steps: readonly StepRecord[], workflowName: string, now: Date): Html {
  const retry = RETRYABLE.has(run.status)
    ? actionForm({
        action: `/actions/runs/${run.id}/retry`,
        label: "Retry",
        title: `Retry run #${run.id} of ${workflowName}?`,
        confirm:
          "The run goes back to work under its id: steps that succeeded replay their outputs, the failed step runs " +
          "again with a fresh retry budget when a worker picks it up.",
      })
    : "";
  const resume =
    run.status === "PAUSED" || waitsForRetry(run, steps, now)
      ? actionForm({
          action: `/actions/runs/${run.id}/resume`,
          label: "Resume now",
          title: `Resume run #${run.id} of ${workflowName} now?`,
          confirm: "Its wait (a sleep, a retry wait or a pause) ends now; a worker continues the run at once.",
        })
      : "";
  return html`${retry}${resume}${forkForm(run, steps, workflowName)}`;
}

/** A RUNNING run whose failed step has a retry scheduled later (`admin.resumeRun` makes it due now). */
function waitsForRetry(run: RunRecord, steps: readonly StepRecord[], now: Date): boolean {
  return (
    run.status === "RUNNING" &&
    steps.some((s) => s.status === "ERROR" && s.retryAt !== null && s.retryAt.getTime() > now.getTime())
  );
}

function forkForm(run: RunRecord, steps: readonly StepRecord[], workflowName: string): Html | "" {
  const points = forkPoints(steps);
  if (points.length === 0) return "";
  return html`<form class="inline fork-run" method="post" action="/actions/runs/${run.id}/fork"
    data-title="Fork run #${run.id} of ${workflowName}?" data-verb="Fork"
    data-confirm="A new run starts with the same input: the steps that succeeded before the chosen one replay this run's outputs, the chosen step and the later ones execute. This run is not changed.">
    <label class="muted">from <select name="fromStep" data-testid="fork-step" aria-label="Step to fork from">${points.map(
      (p) => html`<option value="${p.name}">${p.name}${p.kind === "step" ? "" : ` (${p.kind})`}</option>`,
    )}</select></label>
    <button type="submit" data-testid="fork-run">Fork from step…</button></form>`;
}
