/** `escapeHtml` (src/dashboard/html.ts): text made safe for an HTML text node or a quoted attribute. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { escapeHtml, html, raw } from "../../src/dashboard/html.js";

const ENTITIES: Record<string, string> = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'" };

function unescapeHtml(text: string): string {
  return text.replace(/&(?:amp|lt|gt|quot|#39);/g, (e) => ENTITIES[e] ?? e);
}

/** Strings rich in the characters that matter, plus anything else. */
const hostile = fc.oneof(
  fc.string({ unit: fc.constantFrom(..."&<>\"'a;#x1 é日🔑"), maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({ maxLength: 40 }),
);

describe("escapeHtml", () => {
  it.each([
    ["&", "&amp;"],
    ["<", "&lt;"],
    [">", "&gt;"],
    ['"', "&quot;"],
    ["'", "&#39;"],
  ])("escapes %s as %s", (c, entity) => {
    expect(escapeHtml(c)).toBe(entity);
    expect(escapeHtml(`a${c}b${c}`)).toBe(`a${entity}b${entity}`);
  });

  it("escapes a script tag and an attribute break-out", () => {
    expect(escapeHtml(`<script>alert("x")</script>`)).toBe("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    expect(escapeHtml(`" onmouseover='x'`)).toBe("&quot; onmouseover=&#39;x&#39;");
  });

  it("leaves every other character alone, including non-ASCII, backticks, = and /", () => {
    const plain = "queue-1 é 日本 🔑 `x` a=b /path\\ \t\n";
    expect(escapeHtml(plain)).toBe(plain);
    expect(escapeHtml("")).toBe("");
  });

  it("is not idempotent: an existing entity is escaped again (escape once, at output)", () => {
    expect(escapeHtml("&amp;")).toBe("&amp;amp;");
    expect(escapeHtml(escapeHtml("<"))).toBe("&amp;lt;");
  });

  it("is idempotent exactly on text with no special character (property)", () => {
    fc.assert(
      fc.property(hostile, (s) => {
        const once = escapeHtml(s);
        expect(escapeHtml(once) === once).toBe(!/[&<>"']/.test(s));
      }),
      { numRuns: 500 },
    );
  });

  it("output never holds a raw <, >, \" or ', and every & starts one of its entities (property)", () => {
    fc.assert(
      fc.property(hostile, (s) => {
        const out = escapeHtml(s);
        expect(out).not.toMatch(/[<>"']/);
        expect(out).not.toMatch(/&(?!(?:amp|lt|gt|quot|#39);)/);
      }),
      { numRuns: 500 },
    );
  });

  it("loses nothing: unescaping gives the text back (property)", () => {
    fc.assert(
      fc.property(hostile, (s) => {
        expect(unescapeHtml(escapeHtml(s))).toBe(s);
      }),
      { numRuns: 500 },
    );
  });
});

describe("html template", () => {
  it("escapes interpolated strings but not nested html or raw markup", () => {
    const name = `<b>"x"&'y'</b>`;
    const out = html`<p title="${name}">${name}${html`<i>${name}</i>`}${raw("<br>")}</p>`;
    const e = "&lt;b&gt;&quot;x&quot;&amp;&#39;y&#39;&lt;/b&gt;";
    expect(out.text).toBe(`<p title="${e}">${e}<i>${e}</i><br></p>`);
  });

  it("renders null, undefined and booleans as nothing, numbers as text, arrays joined", () => {
    expect(html`[${null}${undefined}${false}${true}${0}${["<", 1, [html`<i>`]]}]`.text).toBe("[0&lt;1<i>]");
  });
});
