/** docs/configuration.md lists every field of the field table with its file key, variable, unit, default and check. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { CONFIG_FIELDS, CONFIG_GROUPS, type FieldSpec } from "../../src/config.js";

const show = (v: unknown) => (v === undefined ? "—" : JSON.stringify(v));

function row(name: string, fileKey: string, env: string, f: FieldSpec): string {
  return `| \`${name}\` | \`${fileKey}\` | ${env} | ${f.unit || "—"} | ${show(f.default)} | ${f.check.expected} |`;
}

it("docs/configuration.md has one row per field, matching the table", () => {
  const doc = readFileSync(join(process.cwd(), "docs/configuration.md"), "utf8");
  const rows = [
    ...CONFIG_FIELDS.map((f) => row(f.name, f.fileKey, f.env ? `\`${f.env.name}\`` : "—", f)),
    ...CONFIG_GROUPS.flatMap((g) =>
      g.fields.map((f) =>
        row(
          `${g.name}.${f.name}`,
          `${g.fileKey}.${f.fileKey}`,
          f.env ? `\`${f.env.name}\`` : g.jsonEnv ? `\`${g.jsonEnv}\` (JSON)` : "—",
          f,
        ),
      ),
    ),
  ];
  for (const r of rows) expect(doc).toContain(r);
  expect(doc.split("\n").filter((l) => /^\| `[a-zA-Z0-9.]+` \| `/.test(l))).toHaveLength(rows.length);
});
