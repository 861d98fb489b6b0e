/**
 * docs/guides/retention.md, executed: on each backend its ```ts samples run in order, as written, in ONE fresh
 * database (SQLite file or Postgres database); each must exit 0, print no "Error", and print every line a
 * `console.log(…); // expected` comment announces, in order (the defaults, per-queue and per-workflow periods,
 * `false`, a bad duration naming the field; a sweep by the policy and purgeArchived by hand, counted). The guide's
 * defaults are the library's. Samples import "pgqrs", which resolves to the built dist/ (npm test builds first).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import * as pgqrs from "../../src/index.js";
import { expectedOutput, fencedBlocks, samplesPrintWhatTheySay } from "./sample-support.js";

vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });

const ROOT = process.cwd();
const GUIDE = "docs/guides/retention.md";
const markdown = readFileSync(join(ROOT, GUIDE), "utf8");
const samples = fencedBlocks(markdown, /^(ts|typescript)$/).map((b) => ({ name: `${GUIDE}:${b.line}`, ...b }));

describe("the retention guide", () => {
  it("shows each part of the API in a sample that announces its output", () => {
    const code = samples.map((s) => s.code).join("\n");
    for (const api of [
      "setRetention(",
      "getRetention(",
      "resetRetention(",
      "DEFAULT_RETENTION",
      '{ archived: "2d" }',
      "deadLetters: false",
      "finishedRuns:",
      '"audit_log", false',
      "VALIDATION_FAILED",
      "runRetention(",
      "purgeArchived(",
      "olderThan:",
      "ManualClock",
      "retention: {",
      "retention: null",
    ]) {
      expect(code, api).toContain(api);
    }
    expect(samples.length).toBeGreaterThanOrEqual(2);
    for (const s of samples) expect(expectedOutput(s.code).length, s.name).toBeGreaterThan(0);
  });

  it("documents the library's defaults, the rules and the CLI", () => {
    const day = 86_400_000;
    expect(pgqrs.DEFAULT_RETENTION).toEqual({ archivedMs: 7 * day, deadLettersMs: 30 * day, finishedRunsMs: 30 * day });
    for (const text of [
      "**Retention is on by default**",
      "| `archived`     | 7 days  |",
      "| `deadLetters`  | 30 days |",
      "| `finishedRuns` | 30 days |",
      "`false`",
      "never deleted",
      "advisory lock",
      "pgqrs retention run",
      "--older-than 7d",
    ]) {
      expect(markdown, text).toContain(text);
    }
  });

  it("is linked from the README", () => {
    expect(readFileSync(join(ROOT, "README.md"), "utf8")).toContain("docs/guides/retention.md");
  });

  samplesPrintWhatTheySay(samples);
});
