/** The PostgreSQL claim gate (issue 21): a few claims of one queue in flight at once from one store. */
import { describe, expect, it } from "vitest";
import { VirtualClock } from "../../src/index.js";
import { createClaimGate } from "../../src/store/postgres/postgres-claim-gate.js";

/** A claim that runs until `finish()` is called; `started` says whether the gate let it start. */
function pending() {
  let finish: (value: string) => void = () => undefined;
  const claim = { started: false, finish: (v: string) => finish(v) };
  const run = () => {
    claim.started = true;
    return new Promise<string>((resolve) => {
      finish = resolve;
    });
  };
  return { claim, run };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe("claim gate", () => {
  it("lets `slots` claims of a queue run at once, the next ones in arrival order, other queues unaffected", async () => {
    const clock = new VirtualClock(0);
    const gate = createClaimGate(2, 1_000, clock.timers);
    const claims = Array.from({ length: 4 }, () => pending());
    const results = claims.map((c) => gate.run(1, c.run));
    const other = pending();
    const otherResult = gate.run(2, other.run);
    await turn();
    expect(claims.map((c) => c.claim.started)).toEqual([true, true, false, false]);
    expect(other.claim.started).toBe(true);

    claims[1]?.claim.finish("b");
    await turn();
    expect(claims.map((c) => c.claim.started)).toEqual([true, true, true, false]);
    claims[0]?.claim.finish("a");
    await turn();
    expect(claims[3]?.claim.started).toBe(true);
    claims[2]?.claim.finish("c");
    claims[3]?.claim.finish("d");
    other.claim.finish("x");
    expect(await Promise.all(results)).toEqual(["a", "b", "c", "d"]);
    expect(await otherResult).toBe("x");
  });

  it("frees the slot of a claim that failed", async () => {
    const gate = createClaimGate(1, 1_000, new VirtualClock(0).timers);
    await expect(gate.run(1, () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await gate.run(1, async () => "next")).toBe("next");
  });

  it("lets a claim that waited `bypassMs` go ahead, and counts it, so the limit holds again once it is done", async () => {
    const clock = new VirtualClock(0);
    const gate = createClaimGate(1, 1_000, clock.timers);
    const stuck = pending();
    const stuckResult = gate.run(1, stuck.run);
    const waiting = pending();
    const waitingResult = gate.run(1, waiting.run);
    await turn();
    expect(waiting.claim.started).toBe(false);
    clock.advance(999);
    await turn();
    expect(waiting.claim.started).toBe(false);
    clock.advance(1);
    await turn();
    expect(waiting.claim.started).toBe(true); // over the limit: two in flight

    const third = pending();
    const thirdResult = gate.run(1, third.run);
    await turn();
    waiting.claim.finish("w");
    expect(await waitingResult).toBe("w");
    await turn();
    expect(third.claim.started).toBe(false); // the stuck claim still holds the one slot
    stuck.claim.finish("s");
    await turn();
    expect(third.claim.started).toBe(true);
    third.claim.finish("t");
    expect(await stuckResult).toBe("s");
    expect(await thirdResult).toBe("t");
  });
});
