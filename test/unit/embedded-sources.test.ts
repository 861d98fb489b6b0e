/**
 * The sources embedded as TypeScript modules by scripts/embed-sources.mjs (`npm run embed`): each generated
 * `*.generated.ts` is what the script makes of its plain files now (fails until `npm run embed` is run after an edit
 * of a migration or of the dashboard's browser script), evaluates to those files' exact text, and the script refuses
 * misnamed and duplicate migrations.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
// @ts-expect-error a plain ES module script of the repository, without type declarations
import * as script from "../../scripts/embed-sources.mjs";
import { CLIENT_SCRIPT } from "../../src/dashboard/assets/client-script.generated.js";
import { MIGRATIONS as POSTGRES } from "../../src/store/postgres/migrations.generated.js";
import { MIGRATIONS as SQLITE } from "../../src/store/sqlite/migrations.generated.js";

interface Module {
  path: string;
  text: string;
}
interface Migration {
  file: string;
  version: number;
  name: string;
  sql: string;
}
const { embed, generatedModules, migrationsIn, staleModules } = script as {
  embed: (root?: string) => string[];
  generatedModules: (root?: string) => Module[];
  migrationsIn: (dir: string) => Migration[];
  staleModules: (root?: string) => string[];
};

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

function scratchTree(): string {
  const root = mkdtempSync(join(tmpdir(), "pgqrs-embed-"));
  mkdirSync(join(root, "src", "store", "demo", "migrations"), { recursive: true });
  mkdirSync(join(root, "src", "dashboard", "assets"), { recursive: true });
  writeFileSync(join(root, "src", "store", "demo", "migrations", "0001_initial.sql"), "CREATE TABLE t (x TEXT);\n");
  writeFileSync(join(root, "src", "dashboard", "assets", "client-script.js"), "console.log(1);\n");
  return root;
}

describe("embedded sources", () => {
  it("every generated module is what npm run embed makes of its sources now", () => {
    const modules = generatedModules();
    expect(modules.map((m) => m.path)).toEqual([
      "src/store/postgres/migrations.generated.ts",
      "src/store/sqlite/migrations.generated.ts",
      "src/dashboard/assets/client-script.generated.ts",
    ]);
    for (const m of modules) {
      expect(readFileSync(join(ROOT, m.path), "utf8"), `${m.path} is out of date: run npm run embed`).toBe(m.text);
    }
  });

  it("the modules hold each file's exact text, the migrations in version order", () => {
    for (const [kind, embedded] of [
      ["postgres", POSTGRES],
      ["sqlite", SQLITE],
    ] as const) {
      const dir = join(ROOT, "src", "store", kind, "migrations");
      const files = readdirSync(dir).filter((f) => f.endsWith(".sql"));
      expect(embedded.map((m) => m.file)).toEqual([...files].sort());
      const versions = embedded.map((m) => m.version);
      expect(versions).toEqual([...versions].sort((a, b) => a - b));
      for (const m of embedded) {
        expect(m.sql, m.file).toBe(readFileSync(join(dir, m.file), "utf8"));
        expect(m.file).toBe(`${String(m.version).padStart(4, "0")}_${m.name}.sql`);
      }
    }
    // Backslashes, backquotes and `${` in the script survive the template literal.
    const source = readFileSync(join(ROOT, "src", "dashboard", "assets", "client-script.js"), "utf8");
    expect(source).toContain("\\n");
    expect(CLIENT_SCRIPT).toBe(source);
  });

  it("finds a module stale after its source changes, and up to date once embedded again", () => {
    const root = scratchTree();
    try {
      expect(staleModules(root)).toEqual([
        "src/store/demo/migrations.generated.ts",
        "src/dashboard/assets/client-script.generated.ts",
      ]);
      expect(embed(root)).toHaveLength(2);
      expect(staleModules(root)).toEqual([]);
      // Backquotes, a placeholder and a backslash: the template literal must keep them as text.
      const tricky = "SELECT `$" + "{x}` AS \\y;\n";
      writeFileSync(join(root, "src", "store", "demo", "migrations", "0002_more.sql"), tricky);
      expect(staleModules(root)).toEqual(["src/store/demo/migrations.generated.ts"]);
      writeFileSync(join(root, "src", "dashboard", "assets", "client-script.js"), "console.log(2);\n");
      expect(embed(root)).toEqual([
        "src/store/demo/migrations.generated.ts",
        "src/dashboard/assets/client-script.generated.ts",
      ]);
      const text = readFileSync(join(root, "src", "store", "demo", "migrations.generated.ts"), "utf8");
      const literal = /sql: (`(?:[^`\\]|\\.)*`),\n {2}\},\n\];\n$/.exec(text)?.[1];
      expect(new Function(`return ${literal};`)()).toBe(tricky);
      expect(staleModules(root)).toEqual([]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("orders migrations by number, ignores other files, refuses a misnamed file or a repeated version", () => {
    const dir = mkdtempSync(join(tmpdir(), "pgqrs-embed-migrations-"));
    try {
      writeFileSync(join(dir, "10_later.sql"), "SELECT 10;\n");
      writeFileSync(join(dir, "9_earlier.sql"), "SELECT 9;\n");
      writeFileSync(join(dir, "README.txt"), "not a migration\n");
      expect(migrationsIn(dir)).toEqual([
        { file: "9_earlier.sql", version: 9, name: "earlier", sql: "SELECT 9;\n" },
        { file: "10_later.sql", version: 10, name: "later", sql: "SELECT 10;\n" },
      ]);
      writeFileSync(join(dir, "0010_again.sql"), "SELECT 10;\n");
      expect(() => migrationsIn(dir)).toThrow(/0010_again\.sql and 10_later\.sql have the same version 10/);
      rmSync(join(dir, "0010_again.sql"));
      writeFileSync(join(dir, "0011-bad name.sql"), "SELECT 11;\n");
      expect(() => migrationsIn(dir)).toThrow(/0011-bad name\.sql: a migration is named NNNN_name\.sql/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
