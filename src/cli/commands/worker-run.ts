import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import * as pgqrs from "../../index.js";
import type { MessageHandler, WorkflowDefinition } from "../../index.js";
import { UsageError } from "../cli-errors.js";
import type { CommandSpec } from "../command.js";
import { escapeControls } from "../output.js";
import { loopRetryOptions, RETRY_FLAGS } from "./queue-settings-flags.js";
import { WorkerRunSession } from "./worker-run-session.js";

/** What a user module offers: its exported workflow definitions and queue handlers. */
export interface WorkerModule {
  workflows: WorkflowDefinition[];
  handlers: Map<string, MessageHandler>;
}

/**
 * Load a module and collect what it exports: every `defineWorkflow` value (named exports, and the default export),
 * and `export const handlers = { queueName: async (message) => … }` for plain queues.
 */
export async function loadWorkerModule(path: string, cwd: string): Promise<WorkerModule> {
  const url = pathToFileURL(resolve(cwd, path)).href;
  let mod: Record<string, unknown>;
  try {
    mod = (await import(url)) as Record<string, unknown>;
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    const ts = typeScriptHint(path, cause);
    throw new pgqrs.PgqrsError(
      "INVALID_CONFIG",
      `Invalid configuration value for module: cannot load '${path}': ${reason}${ts === undefined ? "" : `. ${ts}`}`,
      { cause, details: { module: path } },
    );
  }
  const workflows = new Map<string, WorkflowDefinition>();
  for (const value of Object.values(mod)) {
    if (pgqrs.isWorkflowDefinition(value)) workflows.set(value.name, value);
  }
  const handlers = new Map<string, MessageHandler>();
  const exported = mod.handlers;
  if (exported !== undefined) {
    if (exported === null || typeof exported !== "object") {
      throw new UsageError(`'${path}' exports \`handlers\` but it is not an object of queue name → function`);
    }
    for (const [queue, fn] of Object.entries(exported)) {
      if (typeof fn !== "function") throw new UsageError(`handlers.${queue} in '${path}' is not a function`);
      handlers.set(queue, fn as MessageHandler);
    }
  }
  if (workflows.size === 0 && handlers.size === 0) {
    throw new UsageError(
      `'${path}' exports no workflow (defineWorkflow values) and no \`handlers\` object; nothing to serve`,
      "worker run",
    );
  }
  return { workflows: [...workflows.values()], handlers };
}

export const workerRunCommand: CommandSpec = {
  name: "worker run",
  summary: "Serve the workflows and queue handlers a module exports until SIGINT/SIGTERM",
  details:
    "The module's exported defineWorkflow values are served (each workflow is created if missing), and an\n" +
    "exported `handlers` object maps queue names to `async (message) => void` handlers (a handler that returns\n" +
    "archives the message, one that throws releases it for a retry). One consumer per workflow or queue is\n" +
    "registered, named <host>-<pid>-<name>. On SIGINT or SIGTERM the consumers are interrupted, in-flight work\n" +
    "finishes, and the workers are stopped with no message left leased. A second signal exits at once.\n\n" +
    "  // my-workflows.js\n" +
    '  import * as pgqrs from "pgqrs";\n' +
    '  export const greet = pgqrs.defineWorkflow({ name: "greet" }, async (run, input) =>\n' +
    '    pgqrs.workflowStep(run, "hello", async () => "hello " + input.name));\n' +
    "  export const handlers = { emails: async (message) => console.log(message.payload) };",
  flags: {
    module: { type: "string", placeholder: "FILE", description: "The module to load (.js/.mjs; .ts with tsx)" },
    concurrency: { type: "int", placeholder: "N", description: "Runs or messages in flight per consumer (default 4)" },
    ...RETRY_FLAGS,
  },
  examples: [
    "pgqrs worker run --module ./my-workflows.js",
    "PGQRS_DSN=postgresql://app@db/app pgqrs worker run --module ./dist/workflows.js --concurrency 16",
    "node --import tsx node_modules/.bin/pgqrs worker run --module ./src/workflows.ts",
    "pgqrs worker run --module ./handlers.js --retry-base-ms 200 --retry-factor 3 --max-attempts 10",
  ],
  async run(ctx) {
    const path = ctx.flags.string("module");
    if (path === undefined) throw new UsageError("worker run needs --module FILE", "worker run");
    const concurrency = ctx.flags.int("concurrency") ?? 4;
    if (concurrency < 1) throw new UsageError("--concurrency takes a whole number >= 1", "worker run");
    // The queue handlers' retry policy over each queue's own (checked before anything is loaded or written).
    const retry = loopRetryOptions(ctx.flags, "worker run");
    const mod = await loadWorkerModule(path, process.cwd());
    const store = await ctx.store();
    const session = new WorkerRunSession(store, concurrency, (line) => {
      if (!ctx.json) ctx.err.write(`${new Date().toISOString()} ${escapeControls(line)}\n`);
    });
    // Before any consumer is registered: a signal from here on stops them cleanly, "ready" included.
    session.watchSignals();
    try {
      for (const def of mod.workflows) await session.serveWorkflow(def);
      for (const [queue, handler] of mod.handlers) await session.serveQueue(queue, handler, retry);
    } catch (err) {
      await session.abandon();
      throw err;
    }
    const where = `${store.backendName()} (${pgqrs.maskDsn(store.config.dsn)})`;
    session.log(`ready on ${where}; Ctrl-C or SIGTERM stops cleanly`);
    const { stopped, handled, reason, failed } = await session.untilStopped();
    return {
      data: { stopped, handled, reason },
      human: `Stopped worker(s) ${stopped.join(", ")}.`,
      ...(failed > 0 && reason !== "signal" ? { exitCode: 1 } : {}),
    };
  },
};

/**
 * How to run a TypeScript module, when `path` is one Node could not load (ERR_UNKNOWN_FILE_EXTENSION: this Node
 * does not strip types): load it through tsx, or compile it and pass the JavaScript file.
 */
export function typeScriptHint(path: string, cause: unknown): string | undefined {
  if (!/\.(ts|mts|cts|tsx)$/i.test(path)) return undefined;
  const code = (cause as { code?: unknown } | null)?.code;
  if (code !== "ERR_UNKNOWN_FILE_EXTENSION" && code !== "ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING") return undefined;
  const js = path.replace(/\.(ts|mts|cts|tsx)$/i, (ext) => (ext.toLowerCase() === ".mts" ? ".mjs" : ".js"));
  return (
    "Node runs TypeScript modules only through a loader: `npm install -D tsx`, then " +
    `\`node --import tsx node_modules/.bin/pgqrs worker run --module ${path}\`; or compile it first (\`npx tsc\`) ` +
    `and pass the JavaScript file: \`pgqrs worker run --module ${js.replace(/^(\.\/)?src\//, "$1dist/")}\``
  );
}
