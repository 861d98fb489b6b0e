/**
 * `pgqrs workflow runs --version V` (issue 16, item 6): only runs of that version, each with its `version` in
 * `--json`; a bad version is refused with VALIDATION_FAILED.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import * as pgqrs from "../../src/index.js";
import { BACKENDS } from "../support/backends.js";
import { assertBuilt, CliDatabase } from "./cli-harness.js";

beforeAll(assertBuilt);
vi.setConfig({ testTimeout: 90_000 });

describe.each(BACKENDS)("workflow runs --version on %s", (backend) => {
  const db = new CliDatabase(backend);
  let store: pgqrs.Store;
  const v1: number[] = [];
  let v2 = 0;

  beforeAll(async () => {
    expect(await db.ok("install")).toContain("Schema installed");
    store = await pgqrs.connect(db.dsn, { schema: db.schema });
    await store.createWorkflow("deploys");
    const def = (version: string) => pgqrs.defineWorkflow({ name: "deploys", version }, async () => null);
    v1.push((await pgqrs.workflow().name(def("v1")).trigger(1).start(store)).run.id);
    v2 = (await pgqrs.workflow().name(def("v2")).trigger(2).start(store)).run.id;
    v1.push((await pgqrs.workflow().name(def("v1")).trigger(3).start(store)).run.id);
    await pgqrs.workflow("deploys").trigger(4).start(store);
  });
  afterAll(async () => {
    await store?.close();
    await db.drop();
  });

  it("lists only the runs of that version, newest first, with their version", async () => {
    const rows = await db.json<{ id: number; version: string | null }[]>(
      "workflow",
      "runs",
      "deploys",
      "--version",
      "v1",
    );
    expect(rows.map((r) => r.id)).toEqual([...v1].reverse());
    expect(rows.map((r) => r.version)).toEqual(["v1", "v1"]);
    const two = await db.json<{ id: number }[]>("workflow", "runs", "deploys", "--version", "v2");
    expect(two.map((r) => r.id)).toEqual([v2]);
    const all = await db.json<{ version: string | null }[]>("workflow", "runs", "deploys");
    expect(all.map((r) => r.version)).toEqual([null, "v1", "v2", "v1"]);
  });

  it("refuses a version longer than 64 characters", async () => {
    const bad = await db.run("workflow", "runs", "deploys", "--version", "x".repeat(65));
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/version must be a string of 1 to 64 characters/);
  });
});
