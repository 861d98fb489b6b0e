#!/usr/bin/env node
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as pgqrs from "../index.js";
import type { Admin, Config, Store } from "../index.js";
import { EXIT, UsageError } from "./cli-errors.js";
import { type CommandContext, type CommandSpec, GLOBAL_FLAGS } from "./command.js";
import { COMMANDS, topLevelNames } from "./commands/registry.js";
import { formatError, givenDsns, scrubErrorText } from "./format-error.js";
import { commandHelp, groupHelp, mainHelp } from "./help.js";
import { escapeControls, toJson } from "./output.js";
import { colourEnabled, colourErrorPrefix, colourHuman } from "./colour.js";
import { parseCommandArgs } from "./parse-args.js";
import { resolveConfig } from "./resolve-config.js";
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
  let store: Store | undefined;
  let config: Config | undefined;
  /** The command being run, for the help an error's next step points at. */
  let command: string | undefined;
  try {
    if (argv.length === 0) {
      io.err.write(`${mainHelp()}\n`);
      return EXIT.usage;
    }
    if (argv[0] === "--version" || argv[0] === "-V") {
      io.out.write(`${await version()}\n`);
      return EXIT.ok;
    }
    if (argv[0] === "help") return help(argv.slice(1), io);
    const { spec, group, rest } = locate(argv);
    command = spec?.name ?? group;
    const wantsHelp = rest.includes("--help") || rest.includes("-h");
    if (spec === undefined) {
      if (group !== undefined) {
        if (wantsHelp) {
          io.out.write(`${groupHelp(group)}\n`);
          return EXIT.ok;
        }
        throw new UsageError(`'${group}' needs a command.\n\n${groupHelp(group)}`);
      }
      if (wantsHelp) {
        io.out.write(`${mainHelp()}\n`);
        return EXIT.ok;
      }
      throw new UsageError("no command given");
    }
    const { args, flags } = parseCommandArgs(spec, rest);
    if (flags.bool("help")) {
      io.out.write(`${commandHelp(spec)}\n`);
      return EXIT.ok;
    }
    const getConfig = (): Config => {
      config ??= resolveConfig({
        dsn: flags.string("dsn"),
        schema: flags.string("schema"),
        configFile: flags.string("config"),
        env: io.env,
        cwd: io.cwd,
        ...(spec.name === "demo" ? { defaultDsn: "sqlite://./pgqrs-demo.db" } : {}),
      });
      return config;
    };
    let admin: Admin | undefined;
    const getStore = async (): Promise<Store> => {
      store ??= await pgqrs.connectWithConfig(getConfig());
      return store;
    };
    const ctx: CommandContext = {
      args,
      flags,
      json,
      verbose,
      config: getConfig,
      store: getStore,
      admin: async () => {
        admin ??= pgqrs.admin(await getStore());
        return admin;
      },
      out: io.out,
      err: io.err,
    };
    const result = await spec.run(ctx);
    if (result !== undefined && !result.printed) {
      if (json) io.out.write(`${toJson(result.data)}\n`);
      else if (result.human !== "") {
        const text = escapeControls(result.human, { keepNewlines: true });
        io.out.write(`${colourEnabled(io.out, io.env) ? colourHuman(text) : text}\n`);
      }
    }
    return result?.exitCode ?? EXIT.ok;
  } catch (err) {
    const dsns = [config?.dsn, config?.listenDsn, ...givenDsns(argv, io.env)];
    const { code, message, exit } = formatError(err, dsns, command);
    if (json) io.out.write(`${toJson({ error: { code, message } })}\n`);
    else {
      io.err.write(`${colourEnabled(io.err, io.env) ? colourErrorPrefix("pgqrs:") : "pgqrs:"} ${message}\n`);
      if (err instanceof UsageError && !message.includes("\n")) {
        io.err.write(`Run 'pgqrs ${err.command ?? ""}${err.command ? " " : ""}--help' for usage.\n`);
      }
    }
    if (verbose && err instanceof Error && !(err instanceof UsageError)) {
      io.err.write(`${scrubErrorText(verboseTrace(err), dsns)}\n`);
    }
    return exit;
  } finally {
    await store?.close().catch(() => undefined);
  }
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
