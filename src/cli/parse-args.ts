import { UsageError } from "./cli-errors.js";
import { type CommandSpec, type FlagSpec, GLOBAL_FLAGS, ParsedFlags } from "./command.js";
import { didYouMean } from "./suggest.js";

/** Positionals and flags of one command's words, validated against its spec. */
export function parseCommandArgs(spec: CommandSpec, words: readonly string[]): { args: string[]; flags: ParsedFlags } {
  const known: Record<string, FlagSpec> = { ...GLOBAL_FLAGS, ...(spec.flags ?? {}) };
  const values = new Map<string, string | number | boolean>();
  const args: string[] = [];
  let onlyPositionals = false;
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string;
    if (onlyPositionals || !word.startsWith("-") || word === "-" || /^-\d/.test(word)) {
      args.push(word);
      continue;
    }
    if (word === "--") {
      onlyPositionals = true;
      continue;
    }
    if (word === "-h") {
      values.set("help", true);
      continue;
    }
    const eq = word.indexOf("=");
    const name = word.slice(word.startsWith("--") ? 2 : 1, eq >= 0 ? eq : undefined);
    const flag = known[name];
    if (flag === undefined) {
      const hint = didYouMean(name, Object.keys(known), "--");
      throw new UsageError(
        `unknown flag '${word.slice(0, eq >= 0 ? eq : undefined)}' for '${spec.name}'.${hint}`,
        spec.name,
      );
    }
    if (flag.type === "boolean") {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`, spec.name);
      values.set(name, true);
      continue;
    }
    let raw: string | undefined;
    if (eq >= 0) raw = word.slice(eq + 1);
    else raw = words[++i];
    if (raw === undefined) throw new UsageError(`--${name} needs a value (${flag.placeholder ?? "VALUE"})`, spec.name);
    if (flag.type === "int") {
      const n = wholeNumber(raw);
      if (n === undefined) {
        throw new UsageError(`--${name} takes a whole number >= 0, got '${raw}'`, spec.name);
      }
      values.set(name, n);
    } else {
      values.set(name, raw);
    }
  }
  if (!values.has("help")) checkPositionals(spec, args);
  return { args, flags: new ParsedFlags(values) };
}

function checkPositionals(spec: CommandSpec, args: string[]): void {
  const specs = spec.args ?? [];
  const required = specs.filter((a) => a.required).length;
  const variadic = specs.some((a) => a.variadic);
  if (args.length < required) {
    const missing = specs[args.length]?.name ?? "argument";
    throw new UsageError(`'${spec.name}' needs <${missing}>`, spec.name);
  }
  if (!variadic && args.length > specs.length) {
    throw new UsageError(`'${spec.name}' got an unexpected argument '${args[specs.length]}'`, spec.name);
  }
}

/** A positional that must be a whole number (an id). */
export function idArg(value: string | undefined, what: string, command: string): number {
  const n = value === undefined ? undefined : wholeNumber(value);
  if (n === undefined) throw new UsageError(`${what} must be a whole number, got '${value ?? ""}'`, command);
  return n;
}

/**
 * Decimal digits only, as a safe integer; else `undefined`. `Number()` alone would read "" and " " as 0 (so an
 * unset `$ID` in a script would name worker 0) and accept "0x10", "1e3" and "1.0".
 */
function wholeNumber(raw: string): number | undefined {
  if (!/^[0-9]+$/.test(raw)) return undefined;
  const n = Number(raw);
  return Number.isSafeInteger(n) ? n : undefined;
}
