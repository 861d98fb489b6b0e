/**
 * Issue 19, item 3: what the packed package ships. The license, changelog, README and docs are in it; every
 * `docs/…` document its README and TSDoc point at is in it; the drivers are optional peers; the declarations carry
 * no `@internal` member and cite no unshipped document; and no reachable declaration imports a driver (checked by
 * the consumer tests).
 */
import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packedTarball, removeProject, runOk } from "./package-fixture.js";

let unpacked: string | undefined;
let root: string;
let files: string[];

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : [relative(root, full)];
  });
}

beforeAll(async () => {
  const tgz = await packedTarball();
  const dir = mkdtempSync(join(tmpdir(), "pgqrs-unpacked-"));
  await runOk("tar", ["xzf", tgz, "-C", dir], { cwd: dir });
  unpacked = dir;
  root = join(dir, "package");
  files = walk(root);
}, 600_000);

afterAll(() => removeProject(unpacked));

describe("the packed package", () => {
  it("ships the build (migrations compiled in), the license, the changelog, the README and the docs; no sources or tests", () => {
    for (const f of ["LICENSE", "CHANGELOG.md", "README.md", "package.json", "dist/index.js", "dist/index.d.ts"]) {
      expect(files).toContain(f);
    }
    expect(files).toContain("dist/cli/main.js");
    expect(statSync(join(root, "dist/cli/main.js")).mode & 0o111).not.toBe(0);
    // The migrations are compiled in (scripts/embed-sources.mjs): nothing is read from a file at run time, so
    // bundlers need no copy step.
    expect(files).toContain("dist/store/postgres/migrations.generated.js");
    expect(files).toContain("dist/store/sqlite/migrations.generated.js");
    expect(files).toContain("dist/dashboard/assets/client-script.generated.js");
    expect(files.filter((f) => f.endsWith(".sql"))).toEqual([]);
    expect(files.filter((f) => f.startsWith("docs/")).length).toBeGreaterThan(5);
    expect(files.filter((f) => /^(src|test|scripts|bench|examples)\//.test(f))).toEqual([]);
    expect(readFileSync(join(root, "LICENSE"), "utf8")).toContain("MIT License");
  });

  it("ships source maps that carry their sources (the package has no src/ for them to point at)", () => {
    const maps = files.filter((f) => f.endsWith(".js.map"));
    expect(maps.length).toBeGreaterThan(100);
    for (const f of maps) {
      const map = JSON.parse(readFileSync(join(root, f), "utf8")) as { sources: string[]; sourcesContent?: string[] };
      expect(map.sourcesContent?.length, f).toBe(map.sources.length);
      expect(
        map.sourcesContent?.every((text) => typeof text === "string" && text.length > 0),
        f,
      ).toBe(true);
    }
  });

  it("declares the drivers as optional peers, a require condition and Node.js 20.19", () => {
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
      dependencies?: Record<string, string>;
      peerDependencies: Record<string, string>;
      peerDependenciesMeta: Record<string, { optional?: boolean }>;
      exports: { ".": Record<string, string> };
      engines: { node: string };
      files: string[];
    };
    for (const driver of ["pg", "better-sqlite3"]) {
      expect(pkg.dependencies?.[driver]).toBeUndefined();
      expect(pkg.peerDependencies[driver]).toBeDefined();
      expect(pkg.peerDependenciesMeta[driver]?.optional).toBe(true);
    }
    expect(pkg.exports["."]).toMatchObject({ types: "./dist/index.d.ts", require: "./dist/index.js" });
    expect(pkg.engines.node).toBe(">=20.19");
  });

  it("has every docs/… document that its README and its comments name", () => {
    const texts = files.filter((f) => /\.(d\.ts|js|md)$/.test(f) && !f.endsWith(".map"));
    const missing = new Set<string>();
    let named = 0;
    for (const f of texts) {
      const text = readFileSync(join(root, f), "utf8");
      // A path of this package (not a URL's `…/docs/…`), relative to the package root.
      for (const m of text.matchAll(/(?<![\w/.-])docs\/[\w./-]*\w\.md/g)) {
        named += 1;
        if (!files.includes(m[0])) missing.add(`${m[0]} (named in ${f})`);
      }
    }
    expect(named).toBeGreaterThan(10);
    expect([...missing]).toEqual([]);
  });

  it("has no @internal member in its declarations", () => {
    const internal = files
      .filter((f) => f.endsWith(".d.ts"))
      .filter((f) => readFileSync(join(root, f), "utf8").includes("@internal"));
    expect(internal).toEqual([]);
  });

  it("cites in its declarations no document it does not ship (the project's DECISIONS.md, pgqrs's reference)", () => {
    const citing = files
      .filter((f) => f.endsWith(".d.ts"))
      .filter((f) => /DECISIONS\.md|pgqrs-reference|reference §|§\d/.test(readFileSync(join(root, f), "utf8")));
    expect(citing).toEqual([]);
  });
});
