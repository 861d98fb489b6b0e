#!/usr/bin/env node
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as pgqrs from "../index.js";
import type { Admin, Config, Store } from "../index.js";
import { EXIT, UsageError } from "./cli-errors.js";
import {
  type CommandContext,
  type CommandResult,
  type CommandSpec,
  GLOBAL_FLAGS,
  type ParsedFlags,
} from "./command.js";
import { COMMANDS, topLevelNames } from "./commands/registry.js";
import { formatError, givenDsns, scrubErrorText } from "./format-error.js";
import { commandHelp, groupHelp, mainHelp } from "./help.js";
import { escapeControls, toJson } from "./output.js";
import { colourEnabled, colourErrorPrefix, colourHuman } from "./colour.js";
import { parseCommandArgs } from "./parse-args.js";
import { resolveConfig } from "./resolve-config.js";
import { CommandInterrupted } from "./signal-interrupt.js";
import { didYouMean } from "./suggest.js";

export interface CliIo {
  out: NodeJS.WriteStream;
  err: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

const GROUPS = new Set(COMMANDS.filter((c) => c.name.includes(" ")).map((c) => c.name.split(" ")[0] as string));

/** Find the command words in argv (global flags may come first) and return the spec and the other tokens. */
function locate(argv: readonly string[]): { spec?: CommandSpec; group?: string; rest: string[] } {
  const words: number[] = [];
  for (let i = 0; i < argv.length && words.length < 2; i++) {
    const t = argv[i] as string;
    if (t.startsWith("-")) {
      const name = t.replace(/^--?/, "");
      if (!name.includes("=") && GLOBAL_FLAGS[name]?.type === "string") i++;
      continue;
    }
    words.push(i);
    if (!GROUPS.has(t)) break;
  }
  const rest = argv.filter((_, i) => !words.includes(i));
  const [w1, w2] = words.map((i) => argv[i] as string);
  if (w1 === undefined) return { rest };
  if (!GROUPS.has(w1)) {
    const spec = COMMANDS.find((c) => c.name === w1);
    if (spec === undefined) {
      throw new UsageError(`unknown command '${w1}'.${didYouMean(w1, [...topLevelNames(), "help"])}`);
    }
    return { spec, rest };
  }
  if (w2 === undefined) return { group: w1, rest };
  const spec = COMMANDS.find((c) => c.name === `${w1} ${w2}`);
  if (spec === undefined) {
    const subs = COMMANDS.filter((c) => c.name.startsWith(`${w1} `) && !c.hidden).map((c) =>
      c.name.slice(w1.length + 1),
    );
    throw new UsageError(`unknown command '${w1} ${w2}'.${didYouMean(w2, subs, `${w1} `)}`, w1);
  }
  return { spec, rest };
}

/** Run the CLI; resolves to the exit code. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  // Output switches count before `--` only: after it, `--json` is an argument (a queue named `--json`).
  const end = argv.indexOf("--");
  const switches = end === -1 ? argv : argv.slice(0, end);
  const json = switches.includes("--json");
  const verbose = switches.includes("--verbose");
  const session = new CommandSession(io);
  /** The command being run, for the help an error's next step points at. */
  let command: string | undefined;
  try {
    const early = await answeredWithoutCommand(argv, io);
    if (early !== undefined) return early;
    const { spec, group, rest } = locate(argv);
    command = spec?.name ?? group;
    if (spec === undefined) return groupOrMainHelp(group, rest, io);
    const { args, flags } = parseCommandArgs(spec, rest);
    if (flags.bool("help")) {
      io.out.write(`${commandHelp(spec)}\n`);
      return EXIT.ok;
    }
    const result = await spec.run(session.context(spec, args, flags, json, verbose));
    if (result !== undefined && !result.printed) printResult(result, json, io);
    return result?.exitCode ?? EXIT.ok;
  } catch (err) {
    // Interrupted by a signal: nothing to report; the `finally` closes the store (stopping its ephemeral workers).
    if (err instanceof CommandInterrupted) return err.exitCode;
    return reportError(err, { argv, io, json, verbose, command, config: session.resolved });
  } finally {
    await session.close();
  }
}

/** No arguments, `--version` or `help …`: the exit code once answered; `undefined` when a command follows. */
async function answeredWithoutCommand(argv: readonly string[], io: CliIo): Promise<number | undefined> {
  if (argv.length === 0) {
    io.err.write(`${mainHelp()}\n`);
    return EXIT.usage;
  }
  if (argv[0] === "--version" || argv[0] === "-V") {
    io.out.write(`${await version()}\n`);
    return EXIT.ok;
  }
  if (argv[0] === "help") return help(argv.slice(1), io);
  return undefined;
}

/** A group named without its command, or no command at all: the help asked for, or a usage error. */
function groupOrMainHelp(group: string | undefined, rest: readonly string[], io: CliIo): number {
  const wantsHelp = rest.includes("--help") || rest.includes("-h");
  if (group !== undefined) {
    if (!wantsHelp) throw new UsageError(`'${group}' needs a command.\n\n${groupHelp(group)}`);
    io.out.write(`${groupHelp(group)}\n`);
    return EXIT.ok;
  }
  if (!wantsHelp) throw new UsageError("no command given");
  io.out.write(`${mainHelp()}\n`);
  return EXIT.ok;
}

/**
 * What one command may use, each opened on first use: its configuration (flags, environment, config file), its
 * store and its admin. The store is closed by {@link close}.
 */
class CommandSession {
  readonly #io: CliIo;
  #config: Config | undefined;
  #store: Store | undefined;
  #admin: Admin | undefined;

  constructor(io: CliIo) {
    this.#io = io;
  }

  /** The configuration once resolved (for masking its DSNs in an error), else `undefined`. */
  get resolved(): Config | undefined {
    return this.#config;
  }

  /** The context `spec` runs with. */
  context(spec: CommandSpec, args: string[], flags: ParsedFlags, json: boolean, verbose: boolean): CommandContext {
    const io = this.#io;
    const config = (): Config => {
      this.#config ??= resolveConfig({
        dsn: flags.string("dsn"),
        schema: flags.string("schema"),
        configFile: flags.string("config"),
        env: io.env,
        cwd: io.cwd,
        ...(spec.name === "demo" ? { defaultDsn: "sqlite://./pgqrs-demo.db" } : {}),
      });
      return this.#config;
    };
    const store = async (): Promise<Store> => {
      this.#store ??= await pgqrs.connectWithConfig(config());
      return this.#store;
    };
    const admin = async (): Promise<Admin> => {
      this.#admin ??= pgqrs.admin(await store());
      return this.#admin;
    };
    return { args, flags, json, verbose, config, store, admin, out: io.out, err: io.err };
  }

  /** Close the store if one was opened (an error closing it is not the command's). */
  async close(): Promise<void> {
    await this.#store?.close().catch(() => undefined);
  }
}

/** A command's result, as JSON or as (coloured when the terminal takes it) text. */
function printResult(result: CommandResult, json: boolean, io: CliIo): void {
  if (json) io.out.write(`${toJson(result.data)}\n`);
  else if (result.human !== "") {
    const text = escapeControls(result.human, { keepNewlines: true });
    io.out.write(`${colourEnabled(io.out, io.env) ? colourHuman(text) : text}\n`);
  }
}

/** An error, as JSON or as text with its next step (and its trace with `--verbose`); returns the exit code. */
function reportError(
  err: unknown,
  at: {
    argv: readonly string[];
    io: CliIo;
    json: boolean;
    verbose: boolean;
    command: string | undefined;
    config: Config | undefined;
  },
): number {
  const { io } = at;
  const dsns = [at.config?.dsn, at.config?.listenDsn, ...givenDsns(at.argv, io.env)];
  const { code, message, exit } = formatError(err, dsns, at.command);
  if (at.json) io.out.write(`${toJson({ error: { code, message } })}\n`);
  else {
    io.err.write(`${colourEnabled(io.err, io.env) ? colourErrorPrefix("pgqrs:") : "pgqrs:"} ${message}\n`);
    if (err instanceof UsageError && !message.includes("\n")) {
      io.err.write(`Run 'pgqrs ${err.command ?? ""}${err.command ? " " : ""}--help' for usage.\n`);
    }
  }
  if (at.verbose && err instanceof Error && !(err instanceof UsageError)) {
    io.err.write(`${scrubErrorText(verboseTrace(err), dsns)}\n`);
  }
  return exit;
}

function help(words: string[], io: CliIo): number {
  const name = words.filter((w) => !w.startsWith("-")).join(" ");
  if (name === "") io.out.write(`${mainHelp()}\n`);
  else if (GROUPS.has(name)) io.out.write(`${groupHelp(name)}\n`);
  else {
    const spec = COMMANDS.find((c) => c.name === name);
    if (spec === undefined) {
      io.err.write(
        `pgqrs: no help for '${name}'.${didYouMean(
          name,
          COMMANDS.map((c) => c.name),
        )}\n`,
      );
      return EXIT.usage;
    }
    io.out.write(`${commandHelp(spec)}\n`);
  }
  return EXIT.ok;
}

function verboseTrace(err: Error): string {
  const parts = [err.stack ?? String(err)];
  let cause: unknown = err.cause;
  while (cause instanceof Error) {
    parts.push(`caused by: ${cause.stack ?? cause.message}`);
    cause = cause.cause;
  }
  return parts.join("\n");
}

async function version(): Promise<string> {
  const { readFileSync } = await import("node:fs");
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

function isEntryPoint(): boolean {
  try {
    return realpathSync(process.argv[1] ?? "") === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  main(process.argv.slice(2), { out: process.stdout, err: process.stderr, env: process.env, cwd: process.cwd() }).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`pgqrs: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = EXIT.error;
    },
  );
}
