/**
 * docs/guides/schedules.md, executed: on each backend its ```ts samples run in order, as written, in ONE fresh
 * database (SQLite file or Postgres database); each must exit 0, print no "Error", and print every line a
 * `console.log(…); // expected` comment announces, in order (a schedule for a queue fired by a handler loop with
 * the tick time in `scheduledAt`, a workflow schedule in Europe/Berlin with trigger-now, the validation errors
 * naming the field, 02:30 on the spring-forward and fall-back days of two zones). Samples import "pgqrs", which
 * resolves to the built dist/ (npm test builds first).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { expectedOutput, fencedBlocks, samplesPrintWhatTheySay } from "./sample-support.js";

vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });

const ROOT = process.cwd();
const GUIDE = "docs/guides/schedules.md";
const markdown = readFileSync(join(ROOT, GUIDE), "utf8");
const samples = fencedBlocks(markdown, /^(ts|typescript)$/).map((b) => ({ name: `${GUIDE}:${b.line}`, ...b }));

describe("the schedules guide", () => {
  it("shows each part of the API in a sample that announces its output", () => {
    const code = samples.map((s) => s.code).join("\n");
    for (const api of [
      "createSchedule({",
      "queue: ",
      "workflow: nightlyReport",
      "timezone: ",
      "ifNotExists: true",
      "*/2 * * * * *",
      "pauseSchedule(",
      "resumeSchedule(",
      "triggerSchedule(",
      "getSchedule(",
      "listSchedules(",
      "scheduledAt",
      "VALIDATION_FAILED",
      "details.argument",
      "Europe/Berlin",
      "America/New_York",
    ]) {
      expect(code, api).toContain(api);
    }
    expect(samples.length).toBeGreaterThanOrEqual(4);
    for (const s of samples) expect(expectedOutput(s.code).length, s.name).toBeGreaterThan(0);
  });

  it("documents cron forms, the rules, DST days and the surfaces", () => {
    for (const text of [
      "6 fields",
      "`@daily`",
      "`@hourly`",
      '`overlap: "skip"`** (default)',
      '`"latest"` (default)',
      '`"all"`',
      '`"none"`',
      "at most 1,000 per firing round",
      "**Spring forward**",
      "**Fall back**",
      "2026-03-29: `01:00Z`",
      "02:30 CEST = `00:30Z`",
      "SCHEDULE_ALREADY_EXISTS",
      "SCHEDULE_NOT_FOUND",
      "pgqrs schedule trigger-now",
      "**Schedules** page",
    ]) {
      expect(markdown, text).toContain(text);
    }
  });

  it("is linked from the README and the CLI reference", () => {
    expect(readFileSync(join(ROOT, "README.md"), "utf8")).toContain("docs/guides/schedules.md");
    expect(readFileSync(join(ROOT, "docs/cli.md"), "utf8")).toContain("guides/schedules.md");
  });

  samplesPrintWhatTheySay(samples);
});
