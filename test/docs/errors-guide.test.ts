/**
 * docs/errors.md, checked two ways. Type-checked: its ```ts sample compiles under `tsc --strict` (NodeNext, as a
 * user's project would) against the package's published types, so `isPgqrsError(err, "RATE_LIMITED")` gives typed
 * details and the `// @ts-expect-error` line (a field RATE_LIMITED does not have) is still an error. Executed: on
 * each backend the sample runs as written in a fresh database, exits 0, prints no "Error", and prints every line a
 * `console.log(…); // expected` comment announces. Samples import "pgqrs", which resolves to the built dist/
 * (npm test builds first).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { expectedOutput, fencedBlocks, samplesPrintWhatTheySay, typecheckSamples } from "./sample-support.js";

vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });

const ROOT = process.cwd();
const PAGE = "docs/errors.md";
const markdown = readFileSync(join(ROOT, PAGE), "utf8");
const samples = fencedBlocks(markdown, /^(ts|typescript)$/)
  .filter((b) => b.code.includes('from "pgqrs"'))
  .map((b) => ({ name: `${PAGE}:${b.line}`, ...b }));

describe("the errors page", () => {
  it("shows narrowing by code in a sample that announces its output", () => {
    expect(samples.length).toBe(1);
    const code = samples.map((s) => s.code).join("\n");
    for (const api of ['pgqrs.isPgqrsError(err, "RATE_LIMITED")', "err.details.retryAfterMs", "@ts-expect-error"]) {
      expect(code, api).toContain(api);
    }
    expect(code).not.toMatch(/details as /);
    for (const s of samples) expect(expectedOutput(s.code).length, s.name).toBe(2);
  });

  it("lists every code's details", () => {
    const codes = readFileSync(join(ROOT, "src/errors.ts"), "utf8").match(/\| "([A-Z_]+)"/g) ?? [];
    expect(codes.length).toBeGreaterThan(30);
    const table = markdown.slice(markdown.indexOf("## What the details hold"));
    for (const c of codes.map((m) => m.slice(3, -1))) expect(table, c).toContain(`\`${c}\``);
  });

  it("type-checks under strict TypeScript: details typed by code, the wrong field an error", async () => {
    const files = Object.fromEntries(samples.map((s, i) => [`sample-${i}.ts`, `${s.code}\nexport {};\n`]));
    // Without the @ts-expect-error directive the wrong field must be reported: the line is a real check.
    files["wrong-field.ts"] = [
      'import * as pgqrs from "pgqrs";',
      "export function f(err: unknown): number | null | undefined {",
      '  if (!pgqrs.isPgqrsError(err, "RATE_LIMITED")) return undefined;',
      "  const ms: number | null = err.details.retryAfterMs;",
      "  void ms;",
      "  return err.details.queueName;",
      "}",
    ].join("\n");
    const r = await typecheckSamples("errors-", files, { exactOptionalPropertyTypes: true });
    expect(r.output).toContain("wrong-field.ts(6,");
    expect(r.output).toContain("Property 'queueName' does not exist");
    expect(r.output.split("\n").filter((l) => l.includes("error TS")).length, r.output).toBe(1);
  });

  samplesPrintWhatTheySay(samples);
});
