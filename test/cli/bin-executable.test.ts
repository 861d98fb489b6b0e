/**
 * `npm run build` leaves the package's bin executable with its shebang, so `npx pgqrs` (an npm bin link that the
 * shell executes directly) works after every rebuild instead of answering "Permission denied" (issue 14 item 17).
 */
import { execFile } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { assertBuilt } from "./cli-harness.js";

beforeAll(assertBuilt);

const pkg = JSON.parse(readFileSync(join(process.cwd(), "package.json"), "utf8")) as { bin: Record<string, string> };
const bin = join(process.cwd(), pkg.bin.pgqrs as string);

describe("the built bin", () => {
  it("is executable by its owner, group and others, and starts with the node shebang", () => {
    expect(statSync(bin).mode & 0o111).toBe(0o111);
    expect(readFileSync(bin, "utf8").split("\n")[0]).toBe("#!/usr/bin/env node");
  });

  it("runs when executed directly, as the shell runs an npm bin link", async () => {
    const r = await new Promise<{ code: number | string; stdout: string }>((resolve) => {
      execFile(bin, ["--version"], { encoding: "utf8", timeout: 30_000 }, (err, stdout) =>
        resolve({ code: err === null ? 0 : (err.code ?? 1), stdout }),
      );
    });
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/\d+\.\d+\.\d+/);
  });
});
