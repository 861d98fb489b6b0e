import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parsePgTimestamp, readPgTimestamp } from "../../src/store/postgres/postgres-time.js";
import { decodeTime, encodeTime } from "../../src/store/sqlite/sqlite-time.js";
import { MAX_TIME_MS, MIN_TIME_MS } from "../../src/validation/time-arguments.js";

// Issue 14 item 3: stored timestamps never read back as an Invalid Date; outside 1970-9999 they clamp to the edge.
const EARLIEST = "1970-01-01T00:00:00.000Z";
const LATEST = "9999-12-31T23:59:59.999Z";

describe("PostgreSQL timestamp text", () => {
  it.each([
    ["2026-01-01 00:00:00+00", "2026-01-01T00:00:00.000Z"],
    ["2026-01-01 00:00:00.123456+05:30", "2025-12-31T18:30:00.123Z"],
    ["1969-12-31 23:00:00-05", "1970-01-01T04:00:00.000Z"],
    ["1970-01-01 00:00:00+00:19:32", EARLIEST],
    ["9999-12-31 23:59:59.999999+00", LATEST],
    ["4369-04-02 00:00:00+00 BC", EARLIEST],
    ["0044-03-15 12:00:00+00 BC", EARLIEST],
    ["20000-01-01 00:00:00+00", LATEST],
    ["294276-12-31 23:59:59.999999+00", LATEST],
    ["infinity", LATEST],
    ["-infinity", EARLIEST],
    ["not a timestamp", EARLIEST],
  ])("%s reads as %s", (text, iso) => {
    expect(parsePgTimestamp(text).toISOString()).toBe(iso);
  });

  it("the shape PostgreSQL sends reads as the general reader reads it (its fast path)", () => {
    const two = (n: number) => String(n).padStart(2, "0");
    const text = fc
      .record({
        year: fc.integer({ min: 1890, max: 10_001 }),
        month: fc.integer({ min: 1, max: 12 }),
        day: fc.integer({ min: 1, max: 28 }),
        hour: fc.integer({ min: 0, max: 23 }),
        minute: fc.integer({ min: 0, max: 59 }),
        second: fc.integer({ min: 0, max: 59 }),
        fraction: fc.option(fc.stringMatching(/^[0-9]{1,7}$/), { nil: undefined }),
        sign: fc.constantFrom("+", "-"),
        offset: fc.constantFrom("00", "05:30", "14", "00:19:32", "0530", "09:3", ""),
        suffix: fc.constantFrom("", "", "", " BC", "x"),
      })
      .map(
        (t) =>
          `${String(t.year).padStart(4, "0")}-${two(t.month)}-${two(t.day)} ${two(t.hour)}:${two(t.minute)}:${two(t.second)}` +
          `${t.fraction === undefined ? "" : `.${t.fraction}`}${t.offset === "" ? "" : `${t.sign}${t.offset}`}${t.suffix}`,
      );
    fc.assert(
      fc.property(text, (s) => {
        expect(parsePgTimestamp(s).getTime()).toBe(readPgTimestamp(s).getTime());
      }),
      { numRuns: 3000 },
    );
  });

  it("a timestamp without a zone is local time, as node-postgres reads it", () => {
    expect(parsePgTimestamp("2026-06-01 12:00:00").getTime()).toBe(new Date(2026, 5, 1, 12).getTime());
  });
});

describe("SQLite timestamp text", () => {
  it.each([
    ["2026-01-01 00:00:00.123000", "2026-01-01T00:00:00.123Z"],
    ["2026-01-01 00:00:00", "2026-01-01T00:00:00.000Z"],
    ["2026-01-01T00:00:00.123456789Z", "2026-01-01T00:00:00.123Z"],
    ["+033715-08 9T12:34:56.7000", LATEST],
    ["+020000-01-01 00:00:00.000", LATEST],
    ["-004368-04-02 00:00:00.000000", EARLIEST],
    ["0500-01-01 00:00:00.000000", EARLIEST],
    ["garbage", EARLIEST],
    ["", EARLIEST],
  ])("%s reads as %s", (text, iso) => {
    expect(decodeTime(text).toISOString()).toBe(iso);
  });

  it("every time in range round-trips through encodeTime; a time outside 0000-9999 is refused, not mangled", () => {
    fc.assert(
      fc.property(fc.integer({ min: MIN_TIME_MS, max: MAX_TIME_MS }), (ms) => {
        expect(decodeTime(encodeTime(new Date(ms))).getTime()).toBe(ms);
      }),
    );
    for (const bad of [new Date("+020000-01-01T00:00:00Z"), new Date(Number.NaN), new Date(-7e13)]) {
      expect(() => encodeTime(bad)).toThrow(/cannot be stored/);
    }
  });

  it("keeps the last encoding for the same millisecond only: repeats, neighbours and a Date changed in place", () => {
    const d = new Date("2026-03-04T05:06:07.008Z");
    expect(encodeTime(d)).toBe("2026-03-04 05:06:07.008000");
    expect(encodeTime(new Date(d.getTime()))).toBe("2026-03-04 05:06:07.008000");
    expect(encodeTime(new Date(d.getTime() + 1))).toBe("2026-03-04 05:06:07.009000");
    expect(encodeTime(d)).toBe("2026-03-04 05:06:07.008000");
    d.setTime(d.getTime() - 1);
    expect(encodeTime(d)).toBe("2026-03-04 05:06:07.007000");
    // A time that cannot be stored right after one that was: refused, never the previous text.
    d.setTime(Number.NaN);
    expect(() => encodeTime(d)).toThrow(/cannot be stored/);
    expect(() => encodeTime(new Date("+020000-01-01T00:00:00Z"))).toThrow(/cannot be stored/);
    expect(encodeTime(new Date("2026-03-04T05:06:07.007Z"))).toBe("2026-03-04 05:06:07.007000");
  });
});
