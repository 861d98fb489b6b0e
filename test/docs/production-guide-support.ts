/**
 * What the production guide's tests (production-guide-*.test.ts) share: docs/guides/production.md read and split into
 * its fenced blocks, its bare one-shot ```ts samples, the environment its shell blocks export, and the "emails" queue
 * its programs serve.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as pgqrs from "../../src/index.js";
import { type GuideBlock, guideBlocks } from "./production-fixtures/guide-programs.js";

export const ROOT = process.cwd();
export const GUIDE = "docs/guides/production.md";
export const markdown = readFileSync(join(ROOT, GUIDE), "utf8");
export const blocks = guideBlocks(markdown);
/** The bare ```ts blocks (no title): one-shot samples, named `<guide>:<line>`. */
export const samples = blocks
  .filter((b) => /^(ts|typescript)$/.test(b.lang) && b.title === undefined)
  .map((b) => ({ name: `${GUIDE}:${b.line}`, code: b.code }));
export const ofLang = (lang: string): GuideBlock[] => blocks.filter((b) => b.lang === lang);

/** A throwaway database of one backend (sample-support's createDatabase). */
export type Db = { dsn: string; drop: () => Promise<void> };

/** The `export PGQRS_…=value` lines of the guide's shell blocks. */
export function guideEnv(): Record<string, string> {
  return Object.fromEntries(
    ofLang("sh")
      .flatMap((b) => b.code.split("\n"))
      .map((l) => /^export (PGQRS_\w+)=('[^']*'|\S+)/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1] as string, (m[2] as string).replace(/^'(.*)'$/, "$1")]),
  );
}

/** `template` (a DSN of the guide) pointed at `target`'s server, database and user, keeping its parameters. */
export function retarget(template: string, target: string): string {
  const from = new URL(template);
  const to = new URL(target);
  to.search = from.search;
  return to.toString();
}

/** Queue "emails" with one attempt per message (a handler failure dead-letters it), and what it holds. */
export async function emailsQueue(dsn: string): Promise<void> {
  const store = await pgqrs.connect(dsn);
  try {
    await pgqrs.admin(store).install();
    await pgqrs.admin(store).createQueue("emails", { ifNotExists: true, retry: { maxAttempts: 1 } });
  } finally {
    await store.close();
  }
}
