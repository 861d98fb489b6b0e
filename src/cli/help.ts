import { type CommandSpec, type FlagSpec, GLOBAL_FLAGS } from "./command.js";
import { BACKEND_DEFINITIONS } from "../store/backend-registry.js";
import { COMMANDS } from "./commands/registry.js";

const GROUPS: Record<string, string> = {
  queue: "Queues: create, update (settings), list, show, metrics, purge, delete",
  message: "Messages: enqueue, list, show, archive, delete, replay",
  dlq: "Dead letters: list, replay",
  worker: "Workers: run (serve a module), list, health, suspend, resume, shutdown, reclaim, purge",
  workflow: "Workflows: create, list, trigger, runs, run, steps, send, event, retry, resume, fork, cancel, result",
  schedule: "Cron schedules: create, list, show, pause, resume, trigger-now, delete",
  retention: "Retention: run (delete what the policies let go, or --older-than), show",
};

/** `a, b or c`. */
function inWords(items: readonly string[]): string {
  return items.length < 2 ? items.join("") : `${items.slice(0, -1).join(", ")} or ${items.at(-1)}`;
}

/** `pgqrs --help`. */
export function mainHelp(): string {
  const top = COMMANDS.filter((c) => !c.hidden && !c.name.includes(" "));
  const width = 11;
  const lines = [
    `pgqrs: durable job queue and workflows on ${inWords(BACKEND_DEFINITIONS.map((b) => b.label))}`,
    "",
    "Usage: pgqrs <command> [arguments] [--dsn DSN] [--json]",
    "",
    "Commands:",
    ...top.filter((c) => c.name === "demo").map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    ...top
      .filter((c) => ["install", "verify", "stats"].includes(c.name))
      .map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    ...Object.entries(GROUPS).map(([g, s]) => `  ${g.padEnd(width)}${s}`),
    ...top.filter((c) => c.name === "dashboard").map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    "",
    "Options (every command):",
    ...flagLines(GLOBAL_FLAGS),
    "",
    "Configuration (first source naming a database wins): --dsn (other fields from PGQRS_* variables), --config",
    "FILE, PGQRS_CONFIG_FILE, PGQRS_DSN with the other PGQRS_* variables, ./pgqrs.yaml, ./pgqrs.yml, ./pgqrs.json.",
    "--schema overrides the source's schema. Fields, units and defaults: docs/configuration.md.",
    "",
    "Examples:",
    "  pgqrs demo                                   # embedded SQLite, no server",
    "  pgqrs install --dsn postgresql://app@localhost/app",
    "  pgqrs queue list",
    `  pgqrs message enqueue emails '{"to":"ada@example.com"}'`,
    "  pgqrs worker run --module ./my-workflows.js",
    "",
    "Run 'pgqrs <command> --help' for a command's arguments and examples.",
    "Exit codes: 0 ok, 1 error (database, not found, failed check), 2 usage.",
  ];
  return lines.join("\n");
}

/** `pgqrs queue --help`: the group's commands. */
export function groupHelp(group: string): string {
  const cmds = COMMANDS.filter((c) => !c.hidden && c.name.startsWith(`${group} `));
  const width = Math.max(...cmds.map((c) => c.name.length)) + 2;
  return [
    `Usage: pgqrs ${group} <command> [arguments] [options]`,
    "",
    "Commands:",
    ...cmds.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    "",
    `Run 'pgqrs ${group} <command> --help' for details.`,
  ].join("\n");
}

/** `pgqrs queue create --help`. */
export function commandHelp(spec: CommandSpec): string {
  const args = (spec.args ?? [])
    .map((a) => (a.required ? `<${a.name}>` : `[${a.name}]`) + (a.variadic ? "..." : ""))
    .join(" ");
  const own = spec.flags ?? {};
  const lines = [
    `Usage: pgqrs ${spec.name}${args ? ` ${args}` : ""}${Object.keys(own).length > 0 ? " [options]" : ""}`,
    "",
  ];
  lines.push(spec.summary);
  if (spec.details) lines.push("", spec.details);
  if (Object.keys(own).length > 0) lines.push("", "Options:", ...flagLines(own));
  lines.push("", "Global options:", ...flagLines(GLOBAL_FLAGS));
  if (spec.examples && spec.examples.length > 0) lines.push("", "Examples:", ...spec.examples.map((e) => `  ${e}`));
  return lines.join("\n");
}

function flagLines(flags: Record<string, FlagSpec>): string[] {
  const entries = Object.entries(flags).map(
    ([name, f]) => [`--${name}${f.placeholder ? ` ${f.placeholder}` : ""}`, f.description] as const,
  );
  const width = Math.max(...entries.map(([l]) => l.length)) + 2;
  return entries.map(([l, d]) => `  ${l.padEnd(width)}${d}`);
}
