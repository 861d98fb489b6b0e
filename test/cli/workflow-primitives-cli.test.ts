/**
 * The CLI surfaces of the workflow primitives (issue 15): `workflow send`, `workflow event`, and the waits, messages,
 * events and children that `workflow runs` / `workflow run` show. Runs are set up with the library and served by a
 * worker in this process; every deadline under test is an hour or more away, so a run only moves when the test (or
 * the CLI) sends it something, and the expected wake-up times are read back from the library, not computed.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import * as pgqrs from "../../src/index.js";
import { BACKENDS } from "../support/backends.js";
import { type ServedWorkflow, serveWorkflow, untilRunStatus } from "../support/served-workflow.js";
import { assertBuilt, CliDatabase, runCli } from "./cli-harness.js";

beforeAll(assertBuilt);
// Every assertion spawns a CLI process; on a loaded machine that is ~0.5 s each.
vi.setConfig({ testTimeout: 120_000 });

type Mode = "approval" | "nap" | "parent" | "kid";

const HOUR_MS = 3_600_000;

/** `2026-12-02T12:00:00Z`: how the CLI prints a wait's time. */
const iso = (d: Date | undefined) => `${(d as Date).toISOString().slice(0, 19)}Z`;

/** `text` as a regular expression matching it literally. */
const esc = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The line of a table (or a key/value block) that starts with `first` (a run id, a key). */
const lineOf = (text: string, first: string | number) =>
  text.split("\n").find((l) => l.trimStart().split(/\s+/)[0] === String(first)) ?? "";

describe.each(BACKENDS)("workflow primitives in the CLI on %s", (backend) => {
  const db = new CliDatabase(backend);
  const name = "cli_prims";
  let served: ServedWorkflow | undefined;
  let store: pgqrs.Store;

  const def: pgqrs.WorkflowDefinition<{ mode: Mode }, unknown> = pgqrs.defineWorkflow(
    { name },
    async (run, input: { mode: Mode }) => {
      switch (input.mode) {
        case "approval": {
          await run.setEvent("progress", { stage: "waiting" });
          const answer = await run.recv<{ ok: boolean }>("wait-approval", "approval", { timeoutMs: HOUR_MS });
          await run.setEvent("decision", answer);
          // Open until the test closes it: a repeated send below always finds the run unfinished.
          await run.recv("wait-close", "close");
          return answer;
        }
        case "nap":
          await run.sleep("nap", 2 * HOUR_MS);
          return "rested";
        case "parent":
          return run.callChild("kid", def, { mode: "kid" });
        case "kid":
          return run.recv("wait-go", "go");
      }
    },
  );

  const trigger = async (mode: Mode) => (await pgqrs.workflow().name(def).trigger({ mode }).start(store)).run;
  const getRun = (id: number) => pgqrs.admin(store).getRun(id);
  const until = (id: number, status: pgqrs.WorkflowStatus) => untilRunStatus(store, id, status);

  beforeAll(async () => {
    expect(await db.ok("install")).toContain("Schema installed");
    served = await serveWorkflow(db, def, "cli-prims-worker");
    store = served.store;
  });
  afterAll(async () => {
    await served?.stop();
    await db.drop();
  });

  it("a run waiting for a message: runs and run show the wait, event reads it, send wakes it", async () => {
    const run = await trigger("approval");
    const paused = await until(run.id, "PAUSED");
    expect(paused.waitingFor).toMatchObject({ kind: "message", topic: "approval", name: "wait-approval" });
    const waiting = `message "approval" until ${iso(paused.waitingFor?.until)}`;

    const runs = await db.ok("workflow", "runs", name);
    expect(runs.split("\n")[0]).toMatch(/^RUN\s+MESSAGE\s+STATUS\s+WAITING FOR\s+CREATED/);
    expect(lineOf(runs, run.id)).toMatch(new RegExp(`PAUSED\\s+${esc(waiting)}\\s+\\d{4}-`));
    const runsJson = await db.json<{ id: number; waitingFor: unknown; waiting: string }[]>("workflow", "runs", name);
    expect(runsJson.find((r) => r.id === run.id)).toMatchObject({
      waiting,
      waitingFor: {
        kind: "message",
        topic: "approval",
        name: "wait-approval",
        until: paused.waitingFor?.until?.toISOString(),
      },
    });

    const shown = await db.ok("workflow", "run", String(run.id));
    expect(lineOf(shown, "waiting")).toMatch(new RegExp(`^waiting\\s+${esc(waiting)}$`));
    expect(lineOf(shown, "progress")).toContain('{"stage":"waiting"}');
    expect(shown).toContain("No messages sent to this run.");
    expect(lineOf(shown, "wait-approval")).toMatch(/^wait-approval\s+[A-Z]+\s+0\s.*\srecv(\s|$)/);

    // workflow event: a set event's value, an unset one (with and without --wait), an unknown run
    expect(JSON.parse(await db.ok("workflow", "event", String(run.id), "progress"))).toEqual({ stage: "waiting" });
    const unset = await db.run("workflow", "event", String(run.id), "decision");
    expect(unset.code).toBe(1);
    expect(unset.stdout).toBe("");
    expect(unset.stderr).toContain(`Event "decision" of run ${run.id} is not set; pass --wait MS`);
    const unsetWaited = await db.run("workflow", "event", String(run.id), "decision", "--wait", "50", "--json");
    expect(unsetWaited.code).toBe(1);
    expect(JSON.parse(unsetWaited.stdout)).toEqual({
      error: { code: "EVENT_NOT_SET", message: `Event "decision" of run ${run.id} is not set (waited 50 ms)` },
    });
    const noRun = await db.run("workflow", "event", "987654", "progress", "--json");
    expect([noRun.code, JSON.parse(noRun.stdout).error.code]).toEqual([1, "RUN_NOT_FOUND"]);

    // workflow send: refusals first (nothing is sent), then a send that wakes the run
    const badJson = await db.run("workflow", "send", String(run.id), "approval", "{not json", "--json");
    expect([badJson.code, JSON.parse(badJson.stdout).error.code]).toEqual([1, "VALIDATION_FAILED"]);
    const badJsonHuman = await db.run("workflow", "send", String(run.id), "approval", "{not json");
    expect(badJsonHuman.stderr).toContain("payload must be JSON, got '{not json'");
    const unknown = await db.run("workflow", "send", "987654", "approval", "{}");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/not found/i);
    expect((await db.run("workflow", "send", "x", "approval", "{}")).code).toBe(2);
    expect(await pgqrs.admin(store).runMessages(run.id)).toEqual([]);

    const decision = db.run("workflow", "event", String(run.id), "decision", "--wait", "60000", "--json");
    const sent = await db.json<{ id: number; runId: number; topic: string; payload: unknown; createdAt: string }>(
      "workflow",
      "send",
      String(run.id),
      "approval",
      '{"ok":true}',
      "--idempotency-key",
      "review-1",
    );
    expect(sent).toMatchObject({ runId: run.id, topic: "approval", payload: { ok: true }, idempotencyKey: "review-1" });
    expect(Number.isNaN(Date.parse(sent.createdAt))).toBe(false);

    const waited = await decision;
    expect(waited.code, waited.stderr).toBe(0);
    expect(JSON.parse(waited.stdout)).toMatchObject({ runId: run.id, key: "decision", value: { ok: true } });
    const again = await db.ok(
      "workflow",
      "send",
      String(run.id),
      "approval",
      '{"ok":false}',
      "--idempotency-key",
      "review-1",
    );
    expect(again).toMatch(new RegExp(`^Sent message ${sent.id} to run ${run.id} on topic "approval" \\(created `));

    await expect.poll(async () => (await getRun(run.id)).waitingFor?.topic, { timeout: 30_000 }).toBe("close");
    const open = await db.ok("workflow", "run", String(run.id));
    expect(lineOf(open, "waiting")).toMatch(/^waiting\s+message "close"$/);
    expect(lineOf(open, String(sent.id))).toMatch(
      /approval\s+.*\soutside\s+.*\swait-approval\s+review-1\s+\{"ok":true\}/,
    );
    const close = await db.json<{ id: number }>("workflow", "send", String(run.id), "close", "null");
    await until(run.id, "SUCCESS");

    const done = await db.ok("workflow", "run", String(run.id));
    expect(lineOf(done, "waiting")).toMatch(/^waiting\s+-$/);
    const doneJson = await db.json<{ messages: { id: number; consumedByStep: string }[]; events: { key: string }[] }>(
      "workflow",
      "run",
      String(run.id),
    );
    expect(doneJson.messages.map((m) => [m.id, m.consumedByStep])).toEqual([
      [sent.id, "wait-approval"],
      [close.id, "wait-close"],
    ]);
    expect(doneJson.events.map((e) => e.key).sort()).toEqual(["decision", "progress"]);

    const finished = await db.run("workflow", "send", String(run.id), "approval", "{}", "--json");
    expect([finished.code, JSON.parse(finished.stdout).error.code]).toEqual([1, "INVALID_STATE_TRANSITION"]);
    expect(await pgqrs.admin(store).runMessages(run.id)).toHaveLength(2);
  });

  it("a sleeping run, and a parent waiting for its child that waits for a message", async () => {
    const nap = await until((await trigger("nap")).id, "PAUSED");
    const parent = await trigger("parent");
    const pausedParent = await until(parent.id, "PAUSED");
    const [child] = await pgqrs.admin(store).childRuns(parent.id);
    if (child === undefined) throw new Error("expected a child run");
    expect(pausedParent.waitingFor).toMatchObject({ kind: "child", childRunId: child.id });
    expect((await until(child.id, "PAUSED")).waitingFor?.until).toBeUndefined();

    const runs = await db.ok("workflow", "runs", name);
    expect(lineOf(runs, nap.id)).toMatch(new RegExp(`PAUSED\\s+sleeping until ${esc(iso(nap.waitingFor?.until))}\\s`));
    expect(lineOf(runs, parent.id)).toMatch(new RegExp(`PAUSED\\s+child #${child.id}\\s+\\d{4}-`));
    expect(lineOf(runs, child.id)).toMatch(/PAUSED\s+message "go"\s+\d{4}-/);
    const runsJson = await db.json<{ id: number; waiting: string | null }[]>(
      "workflow",
      "runs",
      name,
      "--status",
      "paused",
    );
    expect(Object.fromEntries(runsJson.map((r) => [r.id, r.waiting]))).toEqual({
      [nap.id]: `sleeping until ${iso(nap.waitingFor?.until)}`,
      [parent.id]: `child #${child.id}`,
      [child.id]: 'message "go"',
    });

    const shownParent = await db.ok("workflow", "run", String(parent.id));
    expect(lineOf(shownParent, "waiting")).toMatch(new RegExp(`^waiting\\s+child #${child.id}$`));
    expect(lineOf(shownParent, "children")).toMatch(new RegExp(`^children\\s+#${child.id} PAUSED$`));
    expect(lineOf(shownParent, "parent")).toMatch(/^parent\s+-$/);
    const shownChild = await db.ok("workflow", "run", String(child.id));
    expect(lineOf(shownChild, "parent")).toMatch(new RegExp(`^parent\\s+#${parent.id}$`));
    const parentJson = await db.json<{ children: { id: number }[]; waitingFor: { kind: string } }>(
      "workflow",
      "run",
      String(parent.id),
    );
    expect(parentJson.children.map((c) => c.id)).toEqual([child.id]);
    expect(parentJson.waitingFor.kind).toBe("child");

    // The CLI's send wakes the child; its end wakes the parent.
    expect(await db.ok("workflow", "send", String(child.id), "go", '"now"')).toContain(`to run ${child.id}`);
    expect((await until(parent.id, "SUCCESS")).output).toBe("now");
    expect(lineOf(await db.ok("workflow", "runs", name), parent.id)).toMatch(/SUCCESS\s+-\s+\d{4}-/);
  });
});

describe("workflow send and event in the help", () => {
  const help = async (...args: string[]) => {
    const r = await runCli(args);
    expect(r.code, r.stderr).toBe(0);
    return r.stdout;
  };

  it("help lists the new commands", async () => {
    const group = await help("workflow", "--help");
    expect(group).toMatch(/workflow send\s+Send a message to a run/);
    expect(group).toMatch(/workflow event\s+Print the value/);
    expect(await help("workflow", "send", "--help")).toContain("--idempotency-key KEY");
    expect(await help("workflow", "event", "--help")).toContain("--wait MS");
  });
});
