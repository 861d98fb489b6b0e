/**
 * `npm run demo` builds only when dist/ is stale (scripts/build-if-stale.mjs), checked on a scratch tree of its own:
 * fresh once stamped; stale after a source's content changes, a source is added or deleted, or dist/ is gone; a file
 * only touched (same content) keeps it fresh.
 */
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
// @ts-expect-error a plain ES module script of the repository, without type declarations
import * as script from "../../scripts/build-if-stale.mjs";

const { fresh, stamp } = script as { fresh: (root?: string) => boolean; stamp: (root?: string) => void };

function scratchTree(): string {
  const root = mkdtempSync(join(tmpdir(), "pgqrs-build-if-stale-"));
  mkdirSync(join(root, "src", "cli"), { recursive: true });
  mkdirSync(join(root, "dist", "cli"), { recursive: true });
  writeFileSync(join(root, "src", "index.ts"), "export const a = 1;\n");
  writeFileSync(join(root, "src", "cli", "main.ts"), "console.log(1);\n");
  writeFileSync(join(root, "package.json"), "{}\n");
  writeFileSync(join(root, "dist", "cli", "main.js"), "console.log(1);\n");
  return root;
}

describe("build-if-stale", () => {
  it("fresh once stamped; stale after an edit, an added or a deleted source, or without dist/", () => {
    const root = scratchTree();
    try {
      expect(fresh(root)).toBe(false);
      stamp(root);
      expect(fresh(root)).toBe(true);
      // Touched, same content: still fresh.
      utimesSync(join(root, "src", "index.ts"), new Date(), new Date(Date.now() + 60_000));
      expect(fresh(root)).toBe(true);
      writeFileSync(join(root, "src", "index.ts"), "export const a = 2;\n");
      expect(fresh(root)).toBe(false);
      stamp(root);
      writeFileSync(join(root, "src", "extra.ts"), "export {};\n");
      expect(fresh(root)).toBe(false);
      stamp(root);
      rmSync(join(root, "src", "extra.ts"));
      expect(fresh(root)).toBe(false);
      stamp(root);
      expect(fresh(root)).toBe(true);
      rmSync(join(root, "dist"), { recursive: true });
      expect(fresh(root)).toBe(false);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
