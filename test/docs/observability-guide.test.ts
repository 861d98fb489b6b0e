/**
 * docs/guides/observability.md, executed: on each backend its ```ts samples run in order, as written, in ONE fresh
 * database; each must exit 0, print no "Error", and print every line a `console.log(…); // expected` comment
 * announces, in order. The tracing sample prints one trace's parentage (request → send → process → run → steps);
 * the events sample's output is the guide's ```text block. The span and attribute names the guide lists are the
 * library's (src/observability/semconv.ts). Samples import "pgqrs", which resolves to the built dist/.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import * as semconv from "../../src/observability/semconv.js";
import { BACKENDS, type BackendName } from "../support/backends.js";
import { createDatabase, expectedOutput, fencedBlocks, inOrder, runSample } from "./sample-support.js";

vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });

const ROOT = process.cwd();
const GUIDE = "docs/guides/observability.md";
const markdown = readFileSync(join(ROOT, GUIDE), "utf8");
const samples = fencedBlocks(markdown, /^(ts|typescript)$/).map((b) => ({ name: `${GUIDE}:${b.line}`, ...b }));
const printed = fencedBlocks(markdown, /^text$/).map((b) => b.code.split("\n"));

describe("the observability guide", () => {
  it("has a tracing sample and an events sample, each announcing its output", () => {
    expect(samples).toHaveLength(2);
    for (const s of samples) expect(expectedOutput(s.code).length, s.name).toBeGreaterThan(0);
    const [tracing, events] = samples.map((s) => s.code);
    for (const api of ["setGlobalTracerProvider", "setGlobalContextManager", "setGlobalPropagator", "headers"]) {
      expect(tracing, api).toContain(api);
    }
    for (const api of [
      'on("failed"',
      'on("deadLettered"',
      'on("completed"',
      'once("workerStopped"',
      "stopCounting()",
    ]) {
      expect(events, api).toContain(api);
    }
  });

  it("lists the library's span names and attribute keys", () => {
    // Every attribute key (the dotted strings of semconv.ts) is documented.
    const keys = (Object.values(semconv) as unknown[]).filter(
      (v): v is string => typeof v === "string" && v.includes("."),
    );
    expect(keys.length).toBeGreaterThan(10);
    for (const key of keys) expect(markdown, key).toContain(`\`${key}\``);
    for (const name of ["send <queue>", "receive <queue>", "process <queue>", "run <workflow>", "step <name>"]) {
      expect(markdown, name).toContain(`\`${name}\``);
    }
    for (const event of ["enqueued", "completed", "failed", "deadLettered", "runStarted", "runFinished"]) {
      expect(markdown, event).toContain(`| \`${event}\``);
    }
  });

  describe.each(BACKENDS)("on %s", (backend: BackendName) => {
    let db: { dsn: string; drop: () => Promise<void> };

    beforeAll(async () => {
      db = await createDatabase(backend);
    });

    afterAll(async () => {
      await db?.drop();
    });

    it.each(samples.map((s, i) => ({ ...s, i })))("$name runs and prints what it says", async ({ code, i }) => {
      const r = await runSample(code, db.dsn);
      expect(r.output, r.output).not.toContain("Error");
      expect(r.code, r.output).toBe(0);
      const lines = r.stdout.split("\n");
      const expected = expectedOutput(code);
      if (i === 0) expected.unshift("run SUCCESS");
      if (i === 1) expected.splice(0, expected.length, ...(printed[0] ?? []));
      expect(inOrder(lines, expected), `expected, in order:\n${expected.join("\n")}\n---\n${r.stdout}`).toBe(true);
    });
  });
});
