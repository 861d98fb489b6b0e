/**
 * The durable primitives under repeated SIGKILLs at points nobody chose: each worker process (test/fixtures/
 * workflow-primitives-child.ts) is killed the moment its step bodies have written a few more lines (the effects
 * file is watched: often between a body's return and its commit, or during a suspension, a child start or a
 * wake-up), and a new one takes over, until every run has finished. Messages are sent when a run waits for them, sometimes earlier. Whatever the
 * kill points: every run ends SUCCESS with the right output, no step body runs once its step has committed (each
 * body checks its own row), each message is received once by the recv it was meant for, and a replayed recv gets
 * the same message (every got1 line says v1).
 *
 * The kill points depend on the machine's speed; the assertions do not. PGQRS_CHAOS_SEED replays a seed's choices.
 */
import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { BACKENDS } from "../support/backends.js";
import { expectFinished, linesOfRun, openCrashHarness } from "../support/primitives-crash-harness.js";

const RUNS = [1, 2, 3, 4];
const MAX_GENERATIONS = 60;

/** A small seeded generator (mulberry32), so a failing seed can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe.each(BACKENDS)("durable primitives under repeated SIGKILLs on %s", (backend) => {
  it("every run ends SUCCESS, no committed step body runs again, each message is received once", async () => {
    // A fixed seed by default, so every run of the suite makes the same choices; PGQRS_CHAOS_SEED explores others.
    const seed = Number(process.env.PGQRS_CHAOS_SEED ?? 271_828);
    const rand = random(seed);
    const h = await openCrashHarness(backend, RUNS);
    /** Messages sent: `${runId}:${v}`. */
    const sent = new Set<string>();
    const send = async (runId: number, v: number) => {
      if (sent.has(`${runId}:${v}`)) return;
      sent.add(`${runId}:${v}`);
      await pgqrs.send(h.store, runId, "go", { v });
    };
    /** Send the message a waiting recv needs (r1 → v1 …), and sometimes the next one ahead of its recv. */
    async function feed(parents: pgqrs.RunRecord[]): Promise<void> {
      for (const r of parents) {
        const recv = r.status === "PAUSED" && r.waitingFor?.kind === "message" ? r.waitingFor.name : undefined;
        const v = recv === undefined ? 0 : Number(recv.slice(1));
        if (v === 0) continue;
        for (let before = 1; before <= v; before++) await send(r.id, before);
        if (v < 3 && rand() < 0.5) await send(r.id, v + 1);
      }
    }

    let generations = 0;
    try {
      while (generations < MAX_GENERATIONS) {
        const done = (await h.parents()).every((r) => r.status === "SUCCESS");
        if (done) break;
        generations += 1;
        const before = h.effects().length;
        const more = 1 + Math.floor(rand() * 4);
        await h.startWorker("none");
        const { realMs, offsetMs } = h.generationStart();
        const unwatch = h.killAtLines(before + more);
        // Kill once the bodies wrote `more` lines, or once every unfinished run has been suspended by this
        // generation (nothing left to do until the next one's clock makes its waits due), or all are done.
        await h.until(`generation ${generations} (seed ${seed}) to progress`, async () => {
          if (h.effects().length >= before + more) return true;
          const parents = await h.parents();
          await feed(parents);
          const open = [...parents, ...(await h.kids())].filter((r) => r.status !== "SUCCESS");
          return open.every((r) => r.status === "PAUSED" && (r.pausedAt?.getTime() ?? 0) >= realMs + offsetMs);
        });
        unwatch();
        await h.killWorker();
      }
      expect(generations, `seed ${seed}: runs still unfinished`).toBeLessThan(MAX_GENERATIONS);
      await expectFinished(h, RUNS);
      const log = h.effects();
      if (process.env.PGQRS_CHAOS_DEBUG)
        console.log(
          `seed ${seed}: ${generations} generations, ${log.length} lines`,
          log.filter((l, i) => log.indexOf(l) !== i),
        );
      // Every body ran at least once; whatever ran more than once was killed before its commit, and replays of r1
      // returned the same message (got1 lines all say v1: the set below has no other got1 line).
      expect(new Set(log), `seed ${seed}`).toEqual(new Set(RUNS.flatMap(linesOfRun)));
    } finally {
      await h.close();
    }
  }, 900_000);
});
