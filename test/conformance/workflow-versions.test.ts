/**
 * Workflow versions (issue 16, item 6), in virtual time on both backends: a definition's version is recorded on
 * every run its triggers create (plain, started, keyed, child); a worker executes only runs of its own version (and
 * runs without one) unless it serves any version; a run of another version is never claimed (no delivery counted,
 * not started) and waits for a worker of its version; a bad version is VALIDATION_FAILED with nothing written.
 */
import { describe, expect, it, onTestFinished } from "vitest";
import * as pgqrs from "../../src/index.js";
import { EVERY_BACKEND } from "../support/backends.js";
import { openPrimitives, type PrimitivesStore, wfName } from "../support/primitives.js";

type Def = pgqrs.WorkflowDefinition<{ n: number }, string>;

/** A definition of `name` at `version` whose runs output the version of the code that executed them. */
function versioned(name: string, version: string | undefined): Def {
  const tag = version ?? "unversioned";
  return pgqrs.defineWorkflow<{ n: number }, string>(
    version === undefined ? { name } : { name, version },
    async (run) => run.step("which", async () => tag),
  );
}

/** Serve `def` until the test ends; `anyVersion` through the builder. */
async function serve(p: PrimitivesStore, def: Def, anyVersion = false) {
  const consumer = await p.store.consumer(def.name);
  let builder = pgqrs
    .workflow()
    .name(def as pgqrs.WorkflowDefinition)
    .consumer(consumer)
    .withVt(3600);
  if (anyVersion) builder = builder.anyVersion();
  const loop = builder.poll(p.store);
  onTestFinished(async () => {
    await Promise.race([
      consumer.interrupt().then(() => loop),
      new Promise((resolve) => setTimeout(resolve, 5_000)),
    ]).catch(() => undefined);
  });
  return consumer;
}

/** The message row of a trigger (read_ct shows whether it was ever claimed). */
async function messageOf(p: PrimitivesStore, id: number) {
  return p.store.tables().messages().get(id);
}

describe.each(EVERY_BACKEND)("workflow versions on %s", (backend) => {
  it("records the definition's version on runs of every trigger path, and null without one", async () => {
    const p = await openPrimitives(backend);
    const name = wfName("rec");
    const v1 = versioned(name, "v1");
    await p.store.createWorkflow(name);
    const started = await pgqrs.workflow().name(v1).trigger({ n: 1 }).start(p.store);
    expect(started.run.version).toBe("v1");
    const keyed = await pgqrs.workflow().name(v1).trigger({ n: 2 }).idempotencyKey("k").execute(p.store);
    expect((await p.runOf(keyed))?.version).toBe("v1");
    // Through a registered producer the trigger is a plain enqueue: the worker creates the run on first sight.
    const producer = await p.store.producer(name);
    const plain = await pgqrs.workflow().name(v1).producer(producer).trigger({ n: 3 }).execute(p.store);
    expect(await p.runOf(plain)).toBeNull();
    const direct = await pgqrs.workflow().name(v1).trigger({ n: 6 }).execute(p.store);
    expect((await p.runOf(direct))?.version).toBe("v1");
    const byName = await pgqrs.workflow(name).trigger({ n: 4 }).execute(p.store);
    // The payload keeps pgqrs's `{ input }`, with the version beside it.
    expect(plain.payload).toEqual({ input: { n: 3 }, version: "v1" });
    expect(byName.payload).toEqual({ input: { n: 4 } });
    await serve(p, v1);
    const plainRun = await p.runWhen(plain, p.byStatus("SUCCESS"));
    expect(plainRun.version).toBe("v1");
    expect(plainRun.output).toBe("v1");
    // A fork keeps its original's version.
    const fork = await pgqrs.admin(p.store).forkRun(plainRun.id, { fromStep: "which" });
    expect(fork.version).toBe("v1");
    const byNameRun = await p.runWhen(byName, p.byStatus("SUCCESS"));
    expect(byNameRun.version).toBeNull();
    expect((await p.runWhen(started.message, p.byStatus("SUCCESS"))).version).toBe("v1");

    // A child started from a versioned definition records the child's version.
    const childName = wfName("child");
    const child = versioned(childName, "c7");
    const parent = pgqrs.defineWorkflow({ name: wfName("parent"), version: "p1" }, async (run) => {
      const handle = await run.startChild("kid", child, { n: 5 });
      return handle.runId;
    });
    await p.store.createWorkflow(parent.name);
    const pm = await pgqrs.workflow().name(parent).trigger(undefined).execute(p.store);
    await serve(p, parent as unknown as Def);
    const parentRun = await p.runWhen(pm, p.byStatus("SUCCESS"));
    expect(parentRun.version).toBe("p1");
    const childRun = await p.store
      .tables()
      .workflowRuns()
      .get(parentRun.output as number);
    expect(childRun?.version).toBe("c7");
  });

  it("v1 and v2 workers side by side: each executes only its own version's runs; runs without one go to either", async () => {
    const p = await openPrimitives(backend);
    const name = wfName("side");
    const v1 = versioned(name, "v1");
    const v2 = versioned(name, "v2");
    await p.store.createWorkflow(name);
    const ones = [];
    const twos = [];
    for (let n = 0; n < 3; n++) {
      ones.push(await pgqrs.workflow().name(v1).trigger({ n }).execute(p.store));
      twos.push(await pgqrs.workflow().name(v2).trigger({ n }).execute(p.store));
    }
    const none = [
      await pgqrs.workflow(name).trigger({ n: 10 }).execute(p.store),
      await pgqrs.workflow(name).trigger({ n: 11 }).execute(p.store),
    ];

    // Only v2's worker: it executes v2's runs and the unversioned ones; v1's are never claimed.
    await serve(p, v2);
    for (const m of [...twos, ...none]) {
      const run = await p.runWhen(m, p.byStatus("SUCCESS"));
      expect(run.output).toBe("v2");
      expect(run.attempts).toBe(1);
    }
    for (const m of ones) {
      // Created QUEUED by its trigger (a versioned trigger creates its run), never started.
      expect(await p.runOf(m)).toMatchObject({ status: "QUEUED", attempts: 0, version: "v1", workerId: null });
      const msg = await messageOf(p, m.id);
      expect(msg?.readCt).toBe(0); // never delivered
      expect(msg?.archivedAt ?? null).toBeNull();
    }

    // A v1 trigger through this store while v2's worker idles is not handed to it either.
    const late = await pgqrs.workflow().name(v1).trigger({ n: 9 }).execute(p.store);
    const after = await pgqrs.workflow().name(v2).trigger({ n: 9 }).execute(p.store);
    expect((await p.runWhen(after, p.byStatus("SUCCESS"))).output).toBe("v2");
    expect(await p.runOf(late)).toMatchObject({ status: "QUEUED", attempts: 0 });
    expect((await messageOf(p, late.id))?.readCt).toBe(0);
    ones.push(late);

    // v1's worker arrives: it drains v1's runs, each started once.
    await serve(p, v1);
    for (const m of ones) {
      const run = await p.runWhen(m, p.byStatus("SUCCESS"));
      expect(run.output).toBe("v1");
      expect(run.version).toBe("v1");
      expect(run.attempts).toBe(1);
      expect((await messageOf(p, m.id))?.readCt).toBe(1);
    }
  });

  it("anyVersion() and an unversioned definition's worker execute runs of every version", async () => {
    const p = await openPrimitives(backend);
    const name = wfName("any");
    await p.store.createWorkflow(name);
    const a = await pgqrs.workflow().name(versioned(name, "v1")).trigger({ n: 1 }).execute(p.store);
    const b = await pgqrs.workflow().name(versioned(name, "v2")).trigger({ n: 2 }).execute(p.store);
    await serve(p, versioned(name, "v3"), true);
    expect((await p.runWhen(a, p.byStatus("SUCCESS"))).output).toBe("v3");
    expect((await p.runWhen(b, p.byStatus("SUCCESS"))).output).toBe("v3");

    const other = wfName("plain");
    await p.store.createWorkflow(other);
    const c = await pgqrs.workflow().name(versioned(other, "v9")).trigger({ n: 3 }).execute(p.store);
    await serve(p, versioned(other, undefined));
    const run = await p.runWhen(c, p.byStatus("SUCCESS"));
    expect(run.output).toBe("unversioned");
    expect(run.version).toBe("v9");
  });

  it("a bad version is VALIDATION_FAILED, with nothing written", async () => {
    const p = await openPrimitives(backend);
    const name = wfName("bad");
    await p.store.createWorkflow(name);
    for (const version of ["", "x".repeat(65), 7 as unknown as string]) {
      await p.expectNothingWritten("VALIDATION_FAILED", async () => {
        const def = pgqrs.defineWorkflow({ name, version }, async () => null);
        await pgqrs.workflow().name(def).trigger(undefined).execute(p.store);
      });
    }
    expect(pgqrs.defineWorkflow({ name, version: "x".repeat(64) }, async () => null).version).toHaveLength(64);
  });

  it("admin listRuns filters by version and shows it; a bad version filter is VALIDATION_FAILED", async () => {
    const p = await openPrimitives(backend);
    const name = wfName("list");
    await p.store.createWorkflow(name);
    const a = await pgqrs.workflow().name(versioned(name, "v1")).trigger({ n: 1 }).start(p.store);
    const b = await pgqrs.workflow().name(versioned(name, "v2")).trigger({ n: 2 }).start(p.store);
    const c = await pgqrs.workflow().name(versioned(name, "v1")).trigger({ n: 3 }).start(p.store);
    const d = await pgqrs.workflow(name).trigger({ n: 4 }).start(p.store);
    const admin = pgqrs.admin(p.store);
    const v1 = await admin.listRuns({ version: "v1" });
    expect(v1.runs.map((r) => r.id)).toEqual([c.run.id, a.run.id]);
    expect(v1.runs.map((r) => r.version)).toEqual(["v1", "v1"]);
    expect(v1.runs[0]?.input).toEqual({ n: 3 });
    expect((await admin.listRuns({ version: "v2", workflow: name })).runs.map((r) => r.id)).toEqual([b.run.id]);
    expect((await admin.listRuns({ version: "v3" })).runs).toEqual([]);
    const all = await admin.listRuns({ workflow: name });
    expect(all.runs.find((r) => r.id === d.run.id)?.version).toBeNull();
    // Pages of one keep the filter.
    const first = await admin.listRuns({ version: "v1", limit: 1 });
    expect(first.runs.map((r) => r.id)).toEqual([c.run.id]);
    const next = await admin.listRuns({ version: "v1", limit: 1, cursor: first.nextCursor as string });
    expect(next.runs.map((r) => r.id)).toEqual([a.run.id]);
    for (const version of ["", "x".repeat(65), 3 as unknown as string]) {
      await p.expectNothingWritten("VALIDATION_FAILED", () => admin.listRuns({ version }));
    }
  });

  it("the worker option versions: a list serves those versions; a bad list is VALIDATION_FAILED before anything is written", async () => {
    const p = await openPrimitives(backend);
    const name = wfName("opt");
    await p.store.createWorkflow(name);
    const a = await pgqrs.workflow().name(versioned(name, "v1")).trigger({ n: 1 }).execute(p.store);
    const b = await pgqrs.workflow().name(versioned(name, "v2")).trigger({ n: 2 }).execute(p.store);
    const c = await pgqrs.workflow().name(versioned(name, "v3")).trigger({ n: 3 }).execute(p.store);
    for (const versions of [[], [""], ["x".repeat(65)], "all" as unknown as string[]]) {
      await p.expectNothingWritten("VALIDATION_FAILED", () =>
        pgqrs.consumer(`bad-${p.schema}`, name).handler(versioned(name, "v3"), { versions }).create(p.store),
      );
    }
    const worker = await pgqrs
      .consumer(`w-${name}`, name)
      .handler(versioned(name, "v3"), { versions: ["v1", "v2"], pollIntervalMs: 100 })
      .create(p.store);
    try {
      expect((await p.runWhen(a, p.byStatus("SUCCESS"))).output).toBe("v3");
      expect((await p.runWhen(b, p.byStatus("SUCCESS"))).output).toBe("v3");
      // Its own version is not in the list: v3's run waits.
      expect(await p.runOf(c)).toMatchObject({ status: "QUEUED", attempts: 0 });
      expect((await messageOf(p, c.id))?.readCt).toBe(0);
    } finally {
      await worker.interrupt();
    }
  });
});
