/**
 * DX review item 3: samples read payloads through a typed queue or `dequeue<T>()`, never by casting
 * (`m.payload as { … }`). Every ```ts block of README.md and docs/**.md is checked.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { expect, it } from "vitest";
import { fencedBlocks } from "./sample-support.js";

const ROOT = process.cwd();

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? markdownFiles(join(dir, e.name)) : e.name.endsWith(".md") ? [join(dir, e.name)] : [],
  );
}

it("no sample casts a message payload", () => {
  const files = [join(ROOT, "README.md"), ...markdownFiles(join(ROOT, "docs"))];
  const casts: string[] = [];
  let blocks = 0;
  for (const file of files) {
    for (const b of fencedBlocks(readFileSync(file, "utf8"), /^(ts|typescript)$/)) {
      blocks += 1;
      if (/\.payload as\b/.test(b.code)) casts.push(`${relative(ROOT, file)}:${b.line}`);
    }
  }
  expect(blocks).toBeGreaterThan(50);
  expect(casts).toEqual([]);
});
