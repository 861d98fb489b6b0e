/**
 * Every relative link in README.md and docs/ points at a file of this repository, and every `#anchor` at a heading
 * of its target (GitHub's heading ids: lower case, punctuation dropped, spaces as hyphens).
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");

function markdownFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return markdownFiles(path);
    return name.endsWith(".md") ? [path] : [];
  });
}

/** GitHub's id for a heading's text. */
function headingId(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/[`*_]/g, "")
    .replace(/[^\p{L}\p{N}\s-]/gu, "")
    .replace(/\s/g, "-");
}

function anchorsOf(markdown: string): Set<string> {
  const ids = new Set<string>();
  const seen = new Map<string, number>();
  let fenced = false;
  for (const line of markdown.split("\n")) {
    if (line.startsWith("```")) fenced = !fenced;
    const m = fenced ? null : /^#{1,6}\s+(.*)$/.exec(line);
    if (m === null) continue;
    const id = headingId(m[1] as string);
    const n = seen.get(id) ?? 0;
    seen.set(id, n + 1);
    ids.add(n === 0 ? id : `${id}-${n}`);
  }
  return ids;
}

/** `[text](target)` links outside code fences and inline code. */
function linksOf(markdown: string): string[] {
  const out: string[] = [];
  let fenced = false;
  for (const line of markdown.split("\n")) {
    if (line.startsWith("```")) fenced = !fenced;
    if (fenced) continue;
    const text = line.replace(/`[^`]*`/g, "");
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) out.push(m[1] as string);
  }
  return out;
}

const FILES = [join(ROOT, "README.md"), ...markdownFiles(join(ROOT, "docs"))];

describe("links in README.md and docs/", () => {
  it("finds the files and links it checks", () => {
    expect(FILES.length).toBeGreaterThan(10);
    expect(FILES.flatMap((f) => linksOf(readFileSync(f, "utf8"))).length).toBeGreaterThan(50);
  });

  it("computes GitHub's heading ids", () => {
    expect(headingId("Reporting progress")).toBe("reporting-progress");
    expect(headingId("`pgqrs dashboard`: the UI")).toBe("pgqrs-dashboard-the-ui");
    expect(headingId("Which one?")).toBe("which-one");
  });

  it.each(FILES.map((f) => [relative(ROOT, f), f]))("%s: every relative link resolves", (_name, file) => {
    const markdown = readFileSync(file, "utf8");
    const broken: string[] = [];
    for (const link of linksOf(markdown)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(link)) continue; // https:, mailto:, …
      const [path, anchor] = link.split("#", 2) as [string, string | undefined];
      const target = path === "" ? file : resolve(dirname(file), decodeURIComponent(path));
      if (!existsSync(target)) {
        broken.push(`${link} (no such file)`);
        continue;
      }
      if (anchor === undefined || anchor === "" || !target.endsWith(".md")) continue;
      if (!anchorsOf(readFileSync(target, "utf8")).has(anchor)) broken.push(`${link} (no such heading)`);
    }
    expect(broken).toEqual([]);
  });
});
