/**
 * CLI errors a new user met in the DX re-check (notes/reverify-dx.md) say the right next step: a `workflow trigger
 * --wait` that times out points at the run already triggered (retrying the command would start a second run); a
 * `--module` that cannot load, and a dashboard or metrics listener refused or on a busy port, get their own fix,
 * not the database-settings hint; a busy port suggests `--port 0`. Through the built CLI on every backend.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { BACKENDS } from "../support/backends.js";
import { assertBuilt, CliDatabase } from "./cli-harness.js";

beforeAll(assertBuilt);
vi.setConfig({ testTimeout: 120_000 });

/** The database-settings hint INVALID_CONFIG errors get by default. */
const DSN_HINT = "PGQRS_* environment";

describe.each(BACKENDS)("CLI answers from the DX re-check on %s", (backend) => {
  const db = new CliDatabase(backend);
  let busy: Server;
  let busyPort = 0;

  beforeAll(async () => {
    await db.ok("install");
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
    const address = busy.address();
    if (address === null || typeof address === "string") throw new Error("no port");
    busyPort = address.port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => busy?.close(() => resolve()));
    await db.drop();
  });

  it("workflow trigger --wait that times out names the pending run, and does not say to retry", async () => {
    await db.ok("workflow", "create", "dx_unserved");
    const r = await db.run("workflow", "trigger", "dx_unserved", '{"n":1}', "--wait", "--timeout", "1");
    expect(r.code, r.stderr).toBe(1);
    const id = /message (\d+)\)/.exec(r.stderr)?.[1];
    expect(id, r.stderr).toBeDefined();
    expect(r.stderr).toContain(`pgqrs workflow result ${id} --wait`);
    expect(r.stderr).toContain("do not retry this command");
    expect(r.stderr).not.toContain("Retry the command.");
    const j = await db.run("workflow", "trigger", "dx_unserved", "{}", "--wait", "--timeout", "1", "--json");
    expect(JSON.parse(j.stdout)).toMatchObject({ error: { code: "TIMEOUT" } });
  });

  it("worker run --module with a missing file says to check the path, not the database settings", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "pgqrs-dx-module-"));
    const r = await db.run("worker", "run", "--module", join(cwd, "missing.js"));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("cannot load");
    expect(r.stderr).toContain("Check the --module path");
    expect(r.stderr).not.toContain(DSN_HINT);
  });

  // Node 22.18+ strips types itself; there a .ts module loads and this message is never needed.
  const stripsTypes = Boolean((process.features as { typescript?: unknown }).typescript);
  it.skipIf(stripsTypes)("worker run --module x.ts gives the tsx hint alone", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "pgqrs-dx-ts-"));
    writeFileSync(join(cwd, "jobs.ts"), "export const n: number = 1;\n");
    const r = await db.run("worker", "run", "--module", join(cwd, "jobs.ts"));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("node --import tsx");
    expect(r.stderr).not.toContain(DSN_HINT);
    expect(r.stderr).not.toContain("Check the --module path");
  });

  it("dashboard and metrics beyond loopback without a token: the refusal, then the command's help", async () => {
    for (const command of ["dashboard", "metrics"]) {
      const r = await db.run(command, "--host", "0.0.0.0", "--port", "0");
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain("refuses to listen on 0.0.0.0 without a token");
      expect(r.stderr).toContain(`Run 'pgqrs ${command} --help' for usage.`);
      expect(r.stderr).not.toContain(DSN_HINT);
    }
  });

  it("dashboard and metrics on a busy port suggest another port or --port 0", async () => {
    for (const command of ["dashboard", "metrics"]) {
      const r = await db.run(command, "--port", String(busyPort));
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain(`Port ${busyPort} on 127.0.0.1 is already in use`);
      expect(r.stderr).toContain(`pgqrs ${command} --port 0`);
      expect(r.stderr).not.toContain(DSN_HINT);
      const j = await db.run(command, "--port", String(busyPort), "--json");
      expect(JSON.parse(j.stdout)).toMatchObject({ error: { code: "INVALID_CONFIG" } });
    }
  });
});
