/**
 * docs/guides/typed-queues.md, checked two ways. Type-checked: its ```ts samples compile under `tsc --strict`
 * (NodeNext, as a user's project would) against the package's published types, so the payload types the guide
 * promises are inferred, and each `// @ts-expect-error` line (a `Date`, `bigint` or `undefined` member) must still
 * be an error. Executed: on each backend the samples run in order, as written, in ONE fresh database; each must exit
 * 0, print no "Error", and print every line a `console.log(…); // expected` comment announces, in order. Samples
 * import "pgqrs", which resolves to the built dist/ by package self-reference (npm test builds first).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { expectedOutput, fencedBlocks, samplesPrintWhatTheySay, typecheckSamples } from "./sample-support.js";

vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });

const ROOT = process.cwd();
const GUIDE = "docs/guides/typed-queues.md";
const markdown = readFileSync(join(ROOT, GUIDE), "utf8");
const samples = fencedBlocks(markdown, /^(ts|typescript)$/)
  .filter((b) => b.code.includes('from "pgqrs"'))
  .map((b) => ({ name: `${GUIDE}:${b.line}`, ...b }));

describe("the typed queues guide", () => {
  it("shows each part of the API in a sample that announces its output", () => {
    const code = samples.map((s) => s.code).join("\n");
    for (const api of [
      "pgqrs.defineQueue<Email>(",
      "emails.enqueue(store,",
      "emails.enqueueBatch(store,",
      "emails.consumer(store, { name:",
      "consumer.dequeue(",
      "m.payload.to",
      "thumbnails.worker(",
      "concurrency: 4",
      "signal: controller.signal",
      "await worker.done",
      "// @ts-expect-error a Date is not JSON",
      "VALIDATION_FAILED",
      'store.consumer("typed-orders", { name:',
      'store.producer("typed-orders", { name:',
      "the arguments look swapped",
    ]) {
      expect(code, api).toContain(api);
    }
    expect(code).not.toMatch(/payload as /);
    expect(samples.length).toBeGreaterThanOrEqual(4);
    for (const s of samples) expect(expectedOutput(s.code).length, s.name).toBeGreaterThan(0);
  });

  it("documents the decisions: queue creation, the JSON rule, the worker's options", () => {
    for (const text of [
      "ifNotExists: true",
      "keeps its\nown settings",
      "`create: false`",
      "`T extends Json<T>`",
      "`JsonValue`",
      "optional members",
      "`worker.stop({ timeoutMs })`",
      "`concurrency`",
      "`QueueWorker`",
    ]) {
      expect(markdown, text).toContain(text);
    }
  });

  it("is linked from the README and from getting started", () => {
    expect(readFileSync(join(ROOT, "README.md"), "utf8")).toContain("docs/guides/typed-queues.md");
    expect(readFileSync(join(ROOT, "docs/getting-started.md"), "utf8")).toContain("guides/typed-queues.md");
  });

  it("type-checks under strict TypeScript: payload types inferred, the must-not-compile lines are errors", async () => {
    const files = Object.fromEntries(samples.map((s, i) => [`sample-${i}.ts`, `${s.code}\nexport {};\n`]));
    // The samples' own types hold: a payload read through the definition is the declared type, never unknown.
    files["inferred.ts"] = [
      'import * as pgqrs from "pgqrs";',
      "interface Email { to: string; subject: string; cc?: string[] }",
      'const emails = pgqrs.defineQueue<Email>("typed-emails");',
      "export async function check(store: pgqrs.Store): Promise<void> {",
      "  const sent = await emails.enqueue(store, { to: 'a', subject: 'b' });",
      "  const to: string = sent.payload.to;",
      "  const [m] = await (await emails.consumer(store)).dequeue();",
      "  const cc: string[] | undefined = m?.payload.cc;",
      "  await emails.worker(store, (msg) => { const s: string = msg.payload.subject; void s; });",
      "  void [to, cc];",
      "}",
    ].join("\n");
    const r = await typecheckSamples("typed-queues-", files);
    expect(r.output, r.output).toBe("");
    expect(r.code, r.output).toBe(0);
  });

  samplesPrintWhatTheySay(samples);
});
