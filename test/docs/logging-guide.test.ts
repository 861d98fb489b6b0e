/**
 * docs/guides/logging.md, executed: on each backend its ```ts samples run in order, as written, in ONE fresh
 * database; each must exit 0, print no "Error", and print every line a `console.log(…); // expected` comment
 * announces, in order. The guide's table names the messages the library logs. Samples import "pgqrs", which
 * resolves to the built dist/ (npm test builds first).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { expectedOutput, fencedBlocks, samplesPrintWhatTheySay } from "./sample-support.js";

vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });

const ROOT = process.cwd();
const GUIDE = "docs/guides/logging.md";
const markdown = readFileSync(join(ROOT, GUIDE), "utf8");
const samples = fencedBlocks(markdown, /^(ts|typescript)$/).map((b) => ({ name: `${GUIDE}:${b.line}`, ...b }));

describe("the logging guide", () => {
  it("shows the logger option and the call shape in samples that announce their output", () => {
    const code = samples.map((s) => s.code).join("\n");
    for (const api of ["{ logger }", "pgqrs.Logger", "pgqrs.LogFields", "SCHEMA_NOT_INSTALLED"]) {
      expect(code, api).toContain(api);
    }
    expect(samples.length).toBeGreaterThanOrEqual(2);
    for (const s of samples) expect(expectedOutput(s.code).length, s.name).toBeGreaterThan(0);
  });

  it("names what the library logs, in the words it logs them", () => {
    const sources = [
      "src/workers/worker-handle.ts",
      "src/workers/store-tasks.ts",
      "src/workers/zombie-reclaim.ts",
      "src/workers/heartbeat-registry.ts",
      "src/queue/queue-maintenance.ts",
      "src/store/postgres/postgres-listener.ts",
    ].map((f) => readFileSync(join(ROOT, f), "utf8"));
    const text = sources.join("\n");
    for (const [doc, logged] of [
      ["retention round", "retention round"],
      ["zombie workers reclaimed", "reclaimed zombie workers"],
      ["maintenance round failed", "maintenance round failed"],
      ["dead-lettered", "dead-lettered"],
      ["heartbeat failed", "heartbeat failed"],
      ["LISTEN connection dropped", "LISTEN connection lost"],
      ["worker registered", "worker registered"],
    ]) {
      expect(markdown, doc).toContain(doc);
      expect(text, logged).toContain(logged);
    }
    expect(markdown).toContain("pgqrs never writes to the console");
  });

  samplesPrintWhatTheySay(samples);
});
