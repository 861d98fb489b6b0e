/**
 * The CLI's argument parser (src/cli/parse-args.ts): flags with values (`--flag v`, `--flag=v`), booleans, `-h`,
 * `--`, repeated flags, positionals against the command's spec, and UsageError (exit code 2) for every mistake.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/cli/cli-errors.js";
import type { CommandSpec } from "../../src/cli/command.js";
import { idArg, parseCommandArgs } from "../../src/cli/parse-args.js";

const run = async () => undefined;

/** `thing show <name> [extra]` with a string, an int and a boolean flag of its own. */
const SHOW: CommandSpec = {
  name: "thing show",
  summary: "test command",
  args: [
    { name: "name", required: true },
    { name: "extra", required: false },
  ],
  flags: {
    queue: { type: "string", placeholder: "NAME", description: "a queue" },
    limit: { type: "int", placeholder: "N", description: "a limit" },
    force: { type: "boolean", description: "a switch" },
  },
  run,
};

/** `thing rm <ids...>`: variadic, only the global flags. */
const RM: CommandSpec = {
  name: "thing rm",
  summary: "test",
  args: [{ name: "ids", required: true, variadic: true }],
  run,
};

/** The UsageError `fn` throws (fails the test when it throws nothing or something else). */
function usageError(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return err as UsageError;
  }
  throw new Error("expected a UsageError, nothing was thrown");
}

describe("parseCommandArgs: flags", () => {
  it("takes a value from the next word or after `=`, for string and int flags", () => {
    const a = parseCommandArgs(SHOW, ["n", "--queue", "q1", "--limit", "7"]);
    expect(a.args).toEqual(["n"]);
    expect(a.flags.string("queue")).toBe("q1");
    expect(a.flags.int("limit")).toBe(7);
    const b = parseCommandArgs(SHOW, ["--queue=q2", "--limit=12", "n"]);
    expect(b.args).toEqual(["n"]);
    expect(b.flags.string("queue")).toBe("q2");
    expect(b.flags.int("limit")).toBe(12);
  });

  it("splits `--flag=value` at the first `=` only, and takes an empty value after it for a string flag", () => {
    const { flags } = parseCommandArgs(SHOW, ["n", "--dsn=postgresql://h/db?a=b&c=d", "--queue="]);
    expect(flags.string("dsn")).toBe("postgresql://h/db?a=b&c=d");
    expect(flags.string("queue")).toBe("");
    expect(flags.has("queue")).toBe(true);
  });

  it("takes the next word as the value even when it starts with a dash", () => {
    const { args, flags } = parseCommandArgs(SHOW, ["n", "--queue", "--force"]);
    expect(flags.string("queue")).toBe("--force");
    expect(flags.bool("force")).toBe(false);
    expect(args).toEqual(["n"]);
  });

  it("keeps the last value of a repeated flag", () => {
    const { flags } = parseCommandArgs(SHOW, ["n", "--limit", "1", "--queue=a", "--limit=2", "--queue", "b"]);
    expect(flags.int("limit")).toBe(2);
    expect(flags.string("queue")).toBe("b");
  });

  it("sets booleans by their presence, repeated or not, and refuses a value for them", () => {
    expect(parseCommandArgs(SHOW, ["n"]).flags.bool("force")).toBe(false);
    expect(parseCommandArgs(SHOW, ["n", "--force"]).flags.bool("force")).toBe(true);
    expect(parseCommandArgs(SHOW, ["n", "--force", "--force"]).flags.bool("force")).toBe(true);
    const err = usageError(() => parseCommandArgs(SHOW, ["n", "--force=yes"]));
    expect(err.message).toBe("--force takes no value");
    expect(err.command).toBe("thing show");
    // A boolean does not swallow the next word: it stays a positional.
    expect(parseCommandArgs(SHOW, ["--force", "n", "x"]).args).toEqual(["n", "x"]);
  });

  it("knows the global flags on every command", () => {
    const { flags } = parseCommandArgs(RM, [
      "1",
      "--json",
      "--verbose",
      "--schema",
      "s",
      "--config=f.yaml",
      "--dsn",
      "d",
    ]);
    expect(flags.bool("json")).toBe(true);
    expect(flags.bool("verbose")).toBe(true);
    expect(flags.string("schema")).toBe("s");
    expect(flags.string("config")).toBe("f.yaml");
    expect(flags.string("dsn")).toBe("d");
  });

  it("reads flags typed: the string of an int flag and the int of a string flag are undefined", () => {
    const { flags } = parseCommandArgs(SHOW, ["n", "--limit", "3", "--queue", "4"]);
    expect(flags.string("limit")).toBeUndefined();
    expect(flags.int("queue")).toBeUndefined();
    expect(flags.has("force")).toBe(false);
  });

  it("refuses an int flag that is not a whole number >= 0", () => {
    // "" and " " would be 0 through Number() (an unset variable in a script); hex, exponent and "1.0" are not
    // whole numbers as written.
    for (const bad of [
      "-1",
      "1.5",
      "abc",
      "NaN",
      "Infinity",
      "",
      " ",
      "0x10",
      "1e3",
      "1.0",
      " 7",
      "9007199254740993",
    ]) {
      const err = usageError(() => parseCommandArgs(SHOW, ["n", "--limit", bad]));
      expect(err.message).toBe(`--limit takes a whole number >= 0, got '${bad}'`);
      expect(err.command).toBe("thing show");
    }
    expect(parseCommandArgs(SHOW, ["n", "--limit", "0"]).flags.int("limit")).toBe(0);
    expect(usageError(() => parseCommandArgs(SHOW, ["n", "--limit="])).message).toBe(
      "--limit takes a whole number >= 0, got ''",
    );
  });

  it("refuses a value flag with no word left for its value, naming the placeholder", () => {
    expect(usageError(() => parseCommandArgs(SHOW, ["n", "--limit"])).message).toBe("--limit needs a value (N)");
    expect(usageError(() => parseCommandArgs(SHOW, ["n", "--queue"])).message).toBe("--queue needs a value (NAME)");
  });
});

describe("parseCommandArgs: unknown flags", () => {
  it("are a UsageError for the command, with a did-you-mean hint when one is close", () => {
    const err = usageError(() => parseCommandArgs(SHOW, ["n", "--jsn"]));
    expect(err.message).toBe("unknown flag '--jsn' for 'thing show'. Did you mean '--json'?");
    expect(err.command).toBe("thing show");
    expect(usageError(() => parseCommandArgs(SHOW, ["n", "--limt=5"])).message).toBe(
      "unknown flag '--limt' for 'thing show'. Did you mean '--limit'?",
    );
  });

  it("give no hint when nothing is close, and never echo the value after `=`", () => {
    const err = usageError(() => parseCommandArgs(SHOW, ["n", "--zzzzzzzzzz=secret-value"]));
    expect(err.message).toBe("unknown flag '--zzzzzzzzzz' for 'thing show'.");
    expect(err.message).not.toContain("secret-value");
  });

  it("a flag of another command is unknown here", () => {
    expect(() => parseCommandArgs(RM, ["1", "--force"])).toThrow(UsageError);
  });

  it("short flags other than -h are unknown", () => {
    expect(usageError(() => parseCommandArgs(SHOW, ["n", "-x"])).message).toMatch(
      /^unknown flag '-x' for 'thing show'/,
    );
    expect(() => parseCommandArgs(SHOW, ["n", "-f"])).toThrow(UsageError);
  });
});

describe("parseCommandArgs: -h, -, negative numbers and --", () => {
  it("-h and --help set help, and skip the positional checks", () => {
    for (const h of ["-h", "--help"]) {
      const { args, flags } = parseCommandArgs(SHOW, [h]);
      expect(flags.bool("help")).toBe(true);
      expect(args).toEqual([]);
    }
    expect(parseCommandArgs(SHOW, ["a", "b", "c", "-h"]).args).toEqual(["a", "b", "c"]);
  });

  it("a lone `-` and negative numbers are positionals", () => {
    expect(parseCommandArgs(SHOW, ["-", "-5"]).args).toEqual(["-", "-5"]);
    expect(parseCommandArgs(RM, ["-1", "-2.5", "-0"]).args).toEqual(["-1", "-2.5", "-0"]);
  });

  it("after `--` every word is a positional, flags and a second `--` included", () => {
    const { args, flags } = parseCommandArgs(RM, ["1", "--json", "--", "--verbose", "-h", "--", "--nope=1"]);
    expect(args).toEqual(["1", "--verbose", "-h", "--", "--nope=1"]);
    expect(flags.bool("json")).toBe(true);
    expect(flags.bool("verbose")).toBe(false);
    expect(flags.bool("help")).toBe(false);
  });

  it("words after `--` are kept verbatim and in order (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: fc.constantFrom(..."-=ab1 h"), minLength: 1, maxLength: 8 }), { maxLength: 8 }),
        (rest) => {
          expect(parseCommandArgs(RM, ["1", "--", ...rest]).args).toEqual(["1", ...rest]);
        },
      ),
    );
  });

  it("flags may come anywhere between positionals without changing them (property)", () => {
    const positional = fc.string({ unit: fc.constantFrom(..."ab1_.é"), minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(fc.array(positional, { minLength: 1, maxLength: 6 }), fc.nat(), (words, at) => {
        const cut = at % (words.length + 1);
        const argv = [...words.slice(0, cut), "--json", "--schema", "s", ...words.slice(cut)];
        const { args, flags } = parseCommandArgs(RM, argv);
        expect(args).toEqual(words);
        expect(flags.bool("json")).toBe(true);
        expect(flags.string("schema")).toBe("s");
      }),
    );
  });
});

describe("parseCommandArgs: positionals", () => {
  it("refuses a missing required argument, naming it", () => {
    const err = usageError(() => parseCommandArgs(SHOW, ["--force"]));
    expect(err.message).toBe("'thing show' needs <name>");
    expect(err.command).toBe("thing show");
    expect(usageError(() => parseCommandArgs(RM, [])).message).toBe("'thing rm' needs <ids>");
  });

  it("takes optional arguments, and refuses one too many", () => {
    expect(parseCommandArgs(SHOW, ["a", "b"]).args).toEqual(["a", "b"]);
    expect(usageError(() => parseCommandArgs(SHOW, ["a", "b", "c"])).message).toBe(
      "'thing show' got an unexpected argument 'c'",
    );
  });

  it("a variadic argument takes every remaining word", () => {
    expect(parseCommandArgs(RM, ["1", "2", "3", "4"]).args).toEqual(["1", "2", "3", "4"]);
  });
});

describe("idArg", () => {
  it("reads a whole number >= 0", () => {
    expect(idArg("0", "id", "thing rm")).toBe(0);
    expect(idArg("42", "id", "thing rm")).toBe(42);
  });

  it("refuses anything else with a UsageError naming what it is", () => {
    for (const bad of [undefined, "-1", "1.5", "x", "NaN", "", " ", "0x10", "1e3", "1.0"]) {
      const err = usageError(() => idArg(bad, "message id", "thing rm"));
      expect(err.message).toBe(`message id must be a whole number, got '${bad ?? ""}'`);
      expect(err.command).toBe("thing rm");
    }
  });
});
