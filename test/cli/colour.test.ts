/**
 * Colour in the CLI (src/cli/colour.ts): styles only for a terminal that shows colour or under FORCE_COLOR, never
 * under NO_COLOR, in pipes or with --json; table headers bold, run statuses coloured, the error prefix red; styles
 * are added after control characters are escaped, so a name cannot smuggle its own escape sequence through.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { colourEnabled, colourErrorPrefix, colourHuman } from "../../src/cli/colour.js";
import { escapeControls } from "../../src/cli/output.js";
import { freshSqlitePath } from "../support/backends.js";
import { assertBuilt, runCli } from "./cli-harness.js";

const ESC = "\u001b";
const tty = { isTTY: true, hasColors: () => true };

describe("colourEnabled", () => {
  it("follows NO_COLOR, then FORCE_COLOR, then whether the stream is a terminal with colours", () => {
    expect(colourEnabled(tty, {})).toBe(true);
    expect(colourEnabled({ isTTY: true, hasColors: () => false }, {})).toBe(false);
    expect(colourEnabled({ isTTY: false }, {})).toBe(false);
    expect(colourEnabled({}, {})).toBe(false);
    expect(colourEnabled(tty, { NO_COLOR: "1" })).toBe(false);
    expect(colourEnabled(tty, { NO_COLOR: "" })).toBe(true);
    expect(colourEnabled({ isTTY: false }, { FORCE_COLOR: "1" })).toBe(true);
    expect(colourEnabled({ isTTY: false }, { FORCE_COLOR: "" })).toBe(true);
    expect(colourEnabled(tty, { FORCE_COLOR: "0" })).toBe(false);
    expect(colourEnabled(tty, { FORCE_COLOR: "false" })).toBe(false);
    expect(colourEnabled({ isTTY: false }, { FORCE_COLOR: "1", NO_COLOR: "1" })).toBe(false);
  });
});

describe("colourHuman", () => {
  it("bolds table headers and colours run statuses as whole words only", () => {
    const text = ["RUN  STATUS   WORKER", "1    SUCCESS  2", "2    ERROR    -", "3    PAUSED   SUCCESSOR"].join("\n");
    const lines = colourHuman(text).split("\n");
    expect(lines[0]).toBe(`${ESC}[1mRUN  STATUS   WORKER${ESC}[22m`);
    expect(lines[1]).toBe(`1    ${ESC}[32mSUCCESS${ESC}[39m  2`);
    expect(lines[2]).toBe(`2    ${ESC}[31mERROR${ESC}[39m    -`);
    expect(lines[3]).toBe(`3    ${ESC}[33mPAUSED${ESC}[39m   SUCCESSOR`);
    expect(colourHuman("Schema installed.")).toBe("Schema installed.");
    expect(colourErrorPrefix("pgqrs:")).toBe(`${ESC}[1m${ESC}[31mpgqrs:${ESC}[39m${ESC}[22m`);
  });

  it("adds its styles to escaped text: a name's own escape sequence stays visible text", () => {
    const hostile = `queue ${ESC}[2J ${ESC}[31m SUCCESS`;
    const out = colourHuman(escapeControls(hostile));
    expect(out).toBe(`queue \\u{1b}[2J \\u{1b}[31m ${ESC}[32mSUCCESS${ESC}[39m`);
    // The only escape characters are the two of the style added.
    expect(out.split(ESC)).toHaveLength(3);
  });

  it("bolds the headers of the CLI's tables, column names with spaces and signs included", () => {
    const header = "RUN  MESSAGE  STATUS   WAITING FOR  CREATED  TOOK  OUTPUT / ERROR";
    expect(colourHuman(header)).toBe(`${ESC}[1m${header}${ESC}[22m`);
    expect(colourHuman("RUNS")).toBe("RUNS");
  });
});

describe("the CLI's output", () => {
  const dsn = `sqlite://${freshSqlitePath()}`;
  beforeAll(async () => {
    assertBuilt();
    const demo = await runCli(["demo", "--runs", "6", "--dsn", dsn]);
    expect(demo.code, demo.stderr).toBe(0);
  }, 120_000);

  const runs = (env: NodeJS.ProcessEnv, ...extra: string[]) =>
    runCli(["workflow", "runs", "demo_order", "--dsn", dsn, ...extra], { env });

  it("is coloured under FORCE_COLOR: bold headers, green SUCCESS", async () => {
    const r = await runs({ FORCE_COLOR: "1" });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`${ESC}[1mRUN`);
    expect(r.stdout).toContain(`${ESC}[32mSUCCESS${ESC}[39m`);
  });

  it("is plain in a pipe, under NO_COLOR, and with --json", async () => {
    for (const r of [await runs({}), await runs({ FORCE_COLOR: "1", NO_COLOR: "1" })]) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain("SUCCESS");
      expect(r.stdout).not.toContain(ESC);
    }
    const json = await runs({ FORCE_COLOR: "1" }, "--json");
    expect(json.stdout).not.toContain(ESC);
    expect((JSON.parse(json.stdout) as unknown[]).length).toBeGreaterThan(0);
  });

  it("colours the error prefix on stderr under FORCE_COLOR only", async () => {
    const coloured = await runCli(["queue", "show", "no_such_queue", "--dsn", dsn], { env: { FORCE_COLOR: "1" } });
    expect(coloured.code).not.toBe(0);
    expect(coloured.stderr.startsWith(`${ESC}[1m${ESC}[31mpgqrs:${ESC}[39m${ESC}[22m `)).toBe(true);
    const plain = await runCli(["queue", "show", "no_such_queue", "--dsn", dsn]);
    expect(plain.stderr.startsWith("pgqrs: ")).toBe(true);
  });
});
