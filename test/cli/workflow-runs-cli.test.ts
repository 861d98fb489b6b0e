/**
 * `pgqrs workflow runs` over `admin(store).listRuns` (issue 16, item 3): cursor pages (the next page's cursor on
 * stderr, stdout keeps one shape), `--since/--until` as ISO times or ages, `--offset` kept, and usage errors for
 * a bad time or cursor.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import * as pgqrs from "../../src/index.js";
import { BACKENDS } from "../support/backends.js";
import { assertBuilt, CliDatabase } from "./cli-harness.js";

beforeAll(assertBuilt);
vi.setConfig({ testTimeout: 90_000 });

interface RunRow {
  id: number;
  messageId: number;
  workflow: string;
  status: string;
  attempts: number;
  workerId: number | null;
}

describe.each(BACKENDS)("workflow runs on %s", (backend) => {
  const db = new CliDatabase(backend);
  let store: pgqrs.Store;
  const ids: number[] = [];

  beforeAll(async () => {
    expect(await db.ok("install")).toContain("Schema installed");
    store = await pgqrs.connect(db.dsn, { schema: db.schema });
    await store.createWorkflow("pages");
    for (let i = 0; i < 5; i++) ids.push((await pgqrs.workflow("pages").trigger(i).start(store)).run.id);
    ids.reverse();
  });
  afterAll(async () => {
    await store?.close();
    await db.drop();
  });

  it("pages with --limit and the --cursor printed on stderr, newest first, each run once", async () => {
    const first = await db.run("workflow", "runs", "pages", "--limit", "2", "--json");
    expect(first.code).toBe(0);
    const rows = JSON.parse(first.stdout) as RunRow[];
    expect(rows.map((r) => r.id)).toEqual(ids.slice(0, 2));
    expect(rows[0]).toMatchObject({ workflow: "pages", status: "QUEUED", attempts: 0, workerId: null });
    const cursor = /--cursor (\S+)/.exec(first.stderr)?.[1];
    expect(cursor).toEqual(expect.any(String));
    const second = await db.run("workflow", "runs", "pages", "--limit", "3", "--cursor", cursor!, "--json");
    expect((JSON.parse(second.stdout) as RunRow[]).map((r) => r.id)).toEqual(ids.slice(2));
    expect(second.stderr).not.toContain("--cursor");
    const table = await db.ok("workflow", "runs", "pages", "--offset", "4");
    expect(table.split("\n")[0]).toMatch(/^RUN\s+MESSAGE\s+STATUS\s+WAITING FOR\s+CREATED\s+TOOK\s+WORKER\s+ATTEMPTS/);
    expect(table).toContain(`${ids[4]}`);
    expect(table.split("\n").filter((l) => /^\s*\d+\s/.test(l))).toHaveLength(1);
  });

  it("filters by creation time with ISO times and ages, and refuses bad ones", async () => {
    const all = await db.json<RunRow[]>("workflow", "runs", "pages", "--since", "1h");
    expect(all.map((r) => r.id)).toEqual(ids);
    expect(await db.json<RunRow[]>("workflow", "runs", "pages", "--until", "1h")).toEqual([]);
    expect(await db.json<RunRow[]>("workflow", "runs", "pages", "--since", "2999-01-01T00:00:00Z")).toEqual([]);
    const bad = await db.run("workflow", "runs", "pages", "--since", "yesterday");
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("--since takes an ISO time");
    const badCursor = await db.run("workflow", "runs", "pages", "--cursor", "nope!", "--json");
    expect(badCursor.code).not.toBe(0);
    expect(badCursor.stdout + badCursor.stderr).toContain("VALIDATION_FAILED");
  });
});
