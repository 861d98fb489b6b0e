/**
 * docs/guides/s3.md, executed: each ```ts sample runs as written, as its own process, against the S3 emulator this
 * file starts on loopback (fauxqs behind the conditional-write proxy; the AWS environment points the sample's SDK at
 * it), on an object of its own; each must exit 0, print no "Error", and print every line a
 * `console.log(…); // expected` comment announces, in order. Samples import "pgqrs", which resolves to the built
 * dist/ (npm test builds first).
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { CONFIG_GROUPS } from "../../src/config.js";
import { type S3TestServer, startS3TestServer } from "../support/s3-server.js";
import { expectedOutput, fencedBlocks, inOrder, runSample } from "./sample-support.js";

vi.setConfig({ testTimeout: 240_000, hookTimeout: 60_000 });

const ROOT = process.cwd();
const GUIDE = "docs/guides/s3.md";
const markdown = readFileSync(join(ROOT, GUIDE), "utf8");
const samples = fencedBlocks(markdown, /^(ts|typescript)$/).map((b) => ({ name: `${GUIDE}:${b.line}`, ...b }));

let s3: S3TestServer;
beforeAll(async () => {
  s3 = await startS3TestServer();
});
afterAll(async () => {
  await s3?.stop();
});

describe("the S3 guide", () => {
  it("covers the modes, the four operations, the states and conflicts, and says what was tested", () => {
    const code = samples.map((s) => s.code).join("\n");
    for (const api of ["asS3", "bootstrap()", "snapshot(", "sync()", "state()", 'mode: "local"', "CONFLICT"]) {
      expect(code, api).toContain(api);
    }
    for (const state of [
      "InSync",
      "LocalChanges",
      "RemoteChanges",
      "ConcurrentChanges",
      "RemoteMissing",
      "LocalMissing",
    ]) {
      expect(markdown, state).toContain(`\`${state}\``);
    }
    for (const fact of ["fauxqs", "If-Match", "If-None-Match", "s3-conditional-proxy.ts", "not against AWS S3"]) {
      expect(markdown, fact).toContain(fact);
    }
    const s3Group = CONFIG_GROUPS.find((g) => g.name === "s3");
    for (const f of s3Group?.fields ?? []) {
      expect(markdown).toContain(`\`s3.${f.name}\` | \`s3.${f.fileKey}\` | \`${f.env?.name}\``);
    }
    expect(samples.length).toBeGreaterThanOrEqual(3);
    for (const s of samples) expect(expectedOutput(s.code).length, s.name).toBeGreaterThan(0);
  });

  // Run twice in a row on one object and one working directory (caches resumed), as every docs sample is on the
  // other backends (test/docs/samples-run-twice.test.ts, which leaves this guide to this file).
  it.each(samples)("$name runs twice and prints what it says", async ({ code }) => {
    const dsn = s3.freshDsn("guide");
    const cwd = mkdtempSync(join(tmpdir(), "pgqrs-doc-s3-"));
    const r = await runSample(code, dsn, cwd);
    expect(r.output, r.output).not.toContain("Error");
    expect(r.code, r.output).toBe(0);
    const expected = expectedOutput(code);
    expect(
      inOrder(r.stdout.split("\n"), expected),
      `expected, in order:\n${expected.join("\n")}\n---\n${r.stdout}`,
    ).toBe(true);
    const again = await runSample(code, dsn, cwd);
    expect(again.output, `second run:\n${again.output}`).not.toContain("Error");
    expect(again.code, `second run:\n${again.output}`).toBe(0);
  });
});
