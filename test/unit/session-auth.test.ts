/** `sameSecret` (src/dashboard/session-auth.ts): constant-time equality of two secrets of any length. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sameSecret } from "../../src/dashboard/session-auth.js";

/**
 * Well-formed strings only (whole graphemes, no lone surrogates), rich in near-misses: a small alphabet makes equal
 * and almost-equal pairs common.
 */
const secret = fc.oneof(
  fc.string({ unit: fc.constantFrom(..."ab0é日🔑 "), maxLength: 6 }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
);

describe("sameSecret", () => {
  it("is true for equal non-empty secrets", () => {
    expect(sameSecret("s3cret-token", "s3cret-token")).toBe(true);
    expect(sameSecret("x", "x")).toBe(true);
    expect(sameSecret("a".repeat(10_000), "a".repeat(10_000))).toBe(true);
  });

  it("is false for secrets that differ in one character, in case, or by trailing whitespace", () => {
    expect(sameSecret("s3cret-token", "s3cret-tokem")).toBe(false);
    expect(sameSecret("Token", "token")).toBe(false);
    expect(sameSecret("token ", "token")).toBe(false);
    expect(sameSecret("token\n", "token")).toBe(false);
  });

  it("tells a lone surrogate from U+FFFD and from another lone surrogate (compared as UTF-16 code units)", () => {
    expect(sameSecret("a\uD800", "a\uFFFD")).toBe(false);
    expect(sameSecret("a\uFFFD", "a\uD800")).toBe(false);
    expect(sameSecret("a\uD800", "a\uDC00")).toBe(false);
    expect(sameSecret("a\uD800", "a\uD800")).toBe(true);
  });

  it("answers false, without throwing, when the lengths differ", () => {
    expect(() => sameSecret("short", "a much longer secret")).not.toThrow();
    expect(sameSecret("short", "a much longer secret")).toBe(false);
    expect(sameSecret("a much longer secret", "short")).toBe(false);
    expect(sameSecret("token", "token-and-more")).toBe(false); // a prefix is not the secret
    expect(sameSecret("x", "")).toBe(false);
  });

  it("never accepts an empty given secret, even against an empty expected one", () => {
    expect(sameSecret("", "")).toBe(false);
    expect(sameSecret("", "token")).toBe(false);
  });

  it("compares unicode by its characters: same text true, other normalisation or lookalikes false", () => {
    expect(sameSecret("pässwörd-日本-🔑", "pässwörd-日本-🔑")).toBe(true);
    // "é" precomposed (U+00E9) against e + combining acute (U+0065 U+0301): different secrets.
    expect(sameSecret("caf\u00e9", "cafe\u0301")).toBe(false);
    // Cyrillic "а" against Latin "a".
    expect(sameSecret("\u0430dmin", "admin")).toBe(false);
    // Same UTF-16 length, different characters; different UTF-16 lengths, one emoji against two letters.
    expect(sameSecret("🔑", "🔒")).toBe(false);
    expect(sameSecret("🔑", "ab")).toBe(false);
  });

  it("is exactly string equality of non-empty secrets, and never throws (property)", () => {
    fc.assert(
      fc.property(secret, secret, (a, b) => {
        expect(sameSecret(a, b)).toBe(a === b && a.length > 0);
        expect(sameSecret(a, a)).toBe(a.length > 0);
        expect(sameSecret(a, b)).toBe(sameSecret(b, a));
      }),
      { numRuns: 1_000 },
    );
  });
});
