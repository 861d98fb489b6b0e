/** A poll loop's enqueue hints (src/queue/claim-hints.ts): when a short claim lets the loop skip claiming. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createClaimHints } from "../../src/queue/claim-hints.js";
import { VirtualClock } from "../../src/virtual-clock.js";

const POLL_MS = 1_000;

/** Hints listening on a virtual clock, with a poll interval of {@link POLL_MS}. */
function listeningHints() {
  const clock = new VirtualClock(0);
  const hints = createClaimHints(clock.timers, POLL_MS);
  hints.listening();
  return { clock, hints };
}

describe("createClaimHints: drained()", () => {
  it("is false until the loop listens, even after a short claim", () => {
    const clock = new VirtualClock(0);
    const hints = createClaimHints(clock.timers, POLL_MS);
    hints.short(hints.mark());
    expect(hints.drained(false)).toBe(false);
    expect(hints.drained(true)).toBe(false);
    hints.listening();
    expect(hints.drained(false)).toBe(true);
    expect(hints.drained(true)).toBe(true);
  });

  it("is false while listening before any short claim", () => {
    const { hints } = listeningHints();
    expect(hints.drained(false)).toBe(false);
    expect(hints.drained(true)).toBe(false);
  });

  it("after a short claim, lasts until a poll interval has passed", () => {
    const { clock, hints } = listeningHints();
    clock.advance(5_000);
    hints.short(hints.mark());
    clock.advance(POLL_MS - 1);
    expect(hints.drained(false)).toBe(true);
    expect(hints.drained(true)).toBe(true);
    clock.advance(1);
    expect(hints.drained(false)).toBe(false);
    expect(hints.drained(true)).toBe(false);
  });

  it("a remote hint ends it for both kinds of question", () => {
    const { hints } = listeningHints();
    hints.short(hints.mark());
    hints.hint("remote");
    expect(hints.drained(false)).toBe(false);
    expect(hints.drained(true)).toBe(false);
  });

  it("a local hint ends it only when remote hints are not all that count (remoteOnly false)", () => {
    const { hints } = listeningHints();
    hints.short(hints.mark());
    hints.hint("local");
    expect(hints.drained(false)).toBe(false);
    expect(hints.drained(true)).toBe(true);
  });

  it("a hint that arrived while the short claim was in flight (after mark) counts", () => {
    const { hints } = listeningHints();
    const mark = hints.mark();
    hints.hint("remote"); // the enqueue may have committed after the claim's snapshot
    hints.short(mark);
    expect(hints.drained(false)).toBe(false);
    expect(hints.drained(true)).toBe(false);
  });

  it("hints before the mark do not count", () => {
    const { hints } = listeningHints();
    hints.hint("remote");
    hints.hint("local");
    hints.short(hints.mark());
    expect(hints.drained(false)).toBe(true);
    expect(hints.drained(true)).toBe(true);
  });

  it("a full claim ends it for drained(false) until the next short claim", () => {
    const { clock, hints } = listeningHints();
    hints.short(hints.mark());
    hints.full();
    expect(hints.drained(false)).toBe(false);
    clock.advance(10);
    hints.short(hints.mark());
    expect(hints.drained(false)).toBe(true);
    expect(hints.drained(true)).toBe(true);
  });

  it("a full claim leaves drained(true) as the last short claim left it: same remote hints, same poll interval", () => {
    const { clock, hints } = listeningHints();
    hints.short(hints.mark());
    clock.advance(600);
    hints.hint("local"); // an enqueue of this store that found no free slot
    hints.full(); // the claim for the slot that freed up took it, and as many as it asked for
    expect(hints.drained(true)).toBe(true);
    expect(hints.drained(false)).toBe(false);
    clock.advance(POLL_MS - 601);
    expect(hints.drained(true)).toBe(true);
    clock.advance(1); // a poll interval since the short claim, not since the full one
    expect(hints.drained(true)).toBe(false);
  });

  it("after a full claim, a remote hint still ends drained(true) until the next short claim", () => {
    const { hints } = listeningHints();
    hints.short(hints.mark());
    hints.full();
    hints.hint("remote");
    expect(hints.drained(true)).toBe(false);
    hints.full();
    expect(hints.drained(true)).toBe(false);
    hints.short(hints.mark());
    expect(hints.drained(true)).toBe(true);
  });

  it("a full claim before any short claim leaves it false for both questions", () => {
    const { hints } = listeningHints();
    hints.full();
    expect(hints.drained(false)).toBe(false);
    expect(hints.drained(true)).toBe(false);
  });

  it("a new short claim after hints starts a fresh drained state and a fresh poll interval", () => {
    const { clock, hints } = listeningHints();
    hints.short(hints.mark());
    clock.advance(900);
    hints.hint("remote");
    hints.hint("local");
    expect(hints.drained(false)).toBe(false);
    hints.short(hints.mark());
    expect(hints.drained(false)).toBe(true);
    clock.advance(900); // 1800 ms after the first short claim, 900 after this one
    expect(hints.drained(false)).toBe(true);
    clock.advance(100);
    expect(hints.drained(false)).toBe(false);
  });

  it("matches its definition over any order of hints and time (property)", () => {
    const step = fc.oneof(
      fc.constant({ kind: "local" as const }),
      fc.constant({ kind: "remote" as const }),
      fc.constant({ kind: "full" as const }),
      fc.integer({ min: 0, max: 600 }).map((ms) => ({ kind: "wait" as const, ms })),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 6 }), fc.array(step, { maxLength: 6 }), (inFlight, after) => {
        const { clock, hints } = listeningHints();
        const mark = hints.mark();
        let local = 0;
        let remote = 0;
        let fullAfterShort = false;
        let sinceMark = 0;
        const run = (s: (typeof inFlight)[number]) => {
          if (s.kind === "wait") {
            clock.advance(s.ms);
            sinceMark += s.ms;
          } else if (s.kind === "full") {
            hints.full();
          } else {
            hints.hint(s.kind);
            if (s.kind === "local") local += 1;
            else remote += 1;
          }
        };
        inFlight.forEach(run);
        hints.short(mark);
        const shortAt = sinceMark;
        for (const s of after) {
          run(s);
          if (s.kind === "full") fullAfterShort = true;
        }
        const fresh = sinceMark - shortAt < POLL_MS;
        expect(hints.sinceShort()).toBe(sinceMark - shortAt);
        expect(hints.drained(true)).toBe(fresh && remote === 0);
        expect(hints.drained(false)).toBe(fresh && remote === 0 && local === 0 && !fullAfterShort);
      }),
      { numRuns: 500 },
    );
  });
});

describe("createClaimHints: mark() and sinceShort()", () => {
  it("mark() counts every hint, and remote ones apart", () => {
    const { hints } = listeningHints();
    expect(hints.mark()).toEqual({ count: 0, remote: 0 });
    hints.hint("local");
    hints.hint("remote");
    hints.hint("local");
    expect(hints.mark()).toEqual({ count: 3, remote: 1 });
  });

  it("hints are counted before the loop listens too", () => {
    const clock = new VirtualClock(0);
    const hints = createClaimHints(clock.timers, POLL_MS);
    hints.hint("remote");
    expect(hints.mark()).toEqual({ count: 1, remote: 1 });
  });

  it("sinceShort() is the time since the last short claim on the loop's timers, a full claim notwithstanding", () => {
    const { clock, hints } = listeningHints();
    clock.advance(12_345);
    hints.short(hints.mark());
    expect(hints.sinceShort()).toBe(0);
    clock.advance(250);
    expect(hints.sinceShort()).toBe(250);
    hints.full();
    clock.advance(250);
    expect(hints.sinceShort()).toBe(500);
    hints.short(hints.mark());
    clock.advance(40);
    expect(hints.sinceShort()).toBe(40);
  });
});
