/**
 * The packed package, as a user installs it: the repository's build (`npm run build`) run in a staging copy (so the
 * shared `dist/` other tests use is never removed under them), `npm pack`ed once per content of the sources (a
 * lock lets parallel test files share one tarball), and installed into throwaway consumer projects with
 * `npm install --offline`. Drivers, TypeScript and type packages are symlinked from this repository's
 * node_modules: nothing is compiled again and nothing is fetched from the network.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** What the build reads: a change to any of these makes a new tarball. */
const BUILD_INPUTS = [
  "src",
  "docs",
  "scripts",
  "package.json",
  "tsconfig.json",
  "tsconfig.build.json",
  "README.md",
  "LICENSE",
  "CHANGELOG.md",
];

/** A lock older than this belongs to a test run that died. */
const STALE_LOCK_MS = 10 * 60_000;

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment of child processes: none of the parent npm's settings (`npm test` sets `npm_config_*`). */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^npm_/i.test(k) && k !== "NODE_PATH" && k !== "INIT_CWD") env[k] = v;
  }
  return { ...env, npm_config_audit: "false", npm_config_fund: "false", npm_config_update_notifier: "false", ...extra };
}

/** Run a command to its end, collecting its output. */
export function run(
  cmd: string,
  args: readonly string[],
  opts: { cwd: string; env?: Record<string, string> },
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: childEnv(opts.env), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Like {@link run}, failing with the command's output when it does not exit 0. */
export async function runOk(cmd: string, args: readonly string[], opts: { cwd: string }): Promise<RunResult> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} exited ${r.code} in ${opts.cwd}\n${r.stdout}\n${r.stderr}`);
  }
  return r;
}

function hashInputs(): string {
  const hash = createHash("sha256");
  const visit = (path: string): void => {
    const full = join(REPO, path);
    if (!existsSync(full)) return;
    if (statSync(full).isDirectory()) {
      for (const name of readdirSync(full).sort()) visit(join(path, name));
      return;
    }
    hash.update(path).update("\0").update(readFileSync(full)).update("\0");
  };
  for (const input of BUILD_INPUTS) visit(input);
  return hash.digest("hex").slice(0, 16);
}

/** Build in a staging copy of the repository with the repository's own build script, then `npm pack` it. */
async function buildAndPack(dir: string): Promise<string> {
  const staging = join(dir, "staging");
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  for (const input of BUILD_INPUTS) {
    if (existsSync(join(REPO, input))) cpSync(join(REPO, input), join(staging, input), { recursive: true });
  }
  symlinkSync(join(REPO, "node_modules"), join(staging, "node_modules"), "dir");
  await runOk("npm", ["run", "build", "--silent"], { cwd: staging });
  const packed = await runOk("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", dir], {
    cwd: staging,
  });
  const [info] = JSON.parse(packed.stdout) as { filename: string }[];
  if (info === undefined) throw new Error(`npm pack printed no file: ${packed.stdout}`);
  return join(dir, info.filename);
}

let tarball: Promise<string> | undefined;

/** The packed tarball of the current sources, built once however many test files ask at the same time. */
export function packedTarball(): Promise<string> {
  tarball ??= sharedTarball();
  return tarball;
}

async function sharedTarball(): Promise<string> {
  const dir = join(tmpdir(), "pgqrs-package-test", hashInputs());
  const done = join(dir, "tarball.txt");
  const lock = `${dir}.lock`;
  mkdirSync(dirname(dir), { recursive: true });
  for (;;) {
    if (existsSync(done)) return readFileSync(done, "utf8");
    try {
      mkdirSync(lock);
    } catch {
      const lockedAt = statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now();
      if (Date.now() - lockedAt > STALE_LOCK_MS) {
        rmSync(lock, { recursive: true, force: true });
      }
      // Another test file is building this very tarball: wait for it.
      await new Promise((r) => setTimeout(r, 250));
      continue;
    }
    try {
      mkdirSync(dir, { recursive: true });
      const file = await buildAndPack(dir);
      writeFileSync(done, file);
      removeOldBuilds(dir);
      return file;
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}

type LockEntry = Record<string, unknown> & { dependencies?: Record<string, string> };

/**
 * The lock file of a project depending only on the tarball: pgqrs's entry, and its dependencies' entries copied
 * from this repository's lock (same versions and integrity), so `npm ci --offline` takes them from the npm cache
 * without asking the registry anything.
 */
function consumerLock(name: string, tgz: string): Record<string, unknown> {
  const repoLock = JSON.parse(readFileSync(join(REPO, "package-lock.json"), "utf8")) as {
    packages: Record<string, LockEntry>;
  };
  const manifest = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as Record<string, unknown>;
  const dependencies = (manifest.dependencies ?? {}) as Record<string, string>;
  const packages: Record<string, LockEntry> = {
    "": { name, dependencies: { pgqrs: "file:pgqrs.tgz" } },
    "node_modules/pgqrs": {
      version: manifest.version,
      resolved: "file:pgqrs.tgz",
      integrity: `sha512-${createHash("sha512").update(readFileSync(tgz)).digest("base64")}`,
      license: manifest.license,
      dependencies,
      peerDependencies: manifest.peerDependencies,
      peerDependenciesMeta: manifest.peerDependenciesMeta,
      bin: manifest.bin,
      engines: manifest.engines,
    },
  };
  const pending = Object.keys(dependencies);
  for (let dep = pending.pop(); dep !== undefined; dep = pending.pop()) {
    const key = `node_modules/${dep}`;
    if (packages[key] !== undefined) continue;
    const entry = repoLock.packages[key];
    if (entry === undefined) throw new Error(`${dep} is not in package-lock.json`);
    const { dev: _dev, devOptional: _devOptional, peer: _peer, ...kept } = entry;
    // With the tarball's address npm reads it from its cache; without one it would first ask for the packument.
    const base = dep.slice(dep.lastIndexOf("/") + 1);
    packages[key] = { resolved: `https://registry.npmjs.org/${dep}/-/${base}-${String(entry.version)}.tgz`, ...kept };
    pending.push(...Object.keys(entry.dependencies ?? {}));
  }
  return { name, lockfileVersion: 3, requires: true, packages };
}

export interface ConsumerOptions {
  /** `package.json` of the project (without dependencies: npm adds pgqrs). */
  packageJson: Record<string, unknown>;
  /** Packages symlinked from this repository's node_modules after the install, e.g. `pg`, `@types/pg`. */
  links: readonly string[];
  /** Files of the project, by relative path. */
  files?: Record<string, string>;
}

/**
 * A new project in a temporary folder that installed the packed tarball (offline: pgqrs's own dependencies come
 * from the npm cache that installing this repository filled), plus the symlinked packages.
 */
export async function consumerProject(prefix: string, options: ConsumerOptions): Promise<string> {
  const file = await packedTarball();
  const dir = mkdtempSync(join(tmpdir(), `pgqrs-consumer-${prefix}-`));
  cpSync(file, join(dir, "pgqrs.tgz"));
  const pkg = {
    name: `consumer-${prefix}`,
    private: true,
    ...options.packageJson,
    dependencies: { pgqrs: "file:pgqrs.tgz" },
  };
  writeFileSync(join(dir, "package.json"), `${JSON.stringify(pkg, null, 2)}\n`);
  writeFileSync(
    join(dir, "package-lock.json"),
    `${JSON.stringify(consumerLock(pkg.name, join(dir, "pgqrs.tgz")), null, 2)}\n`,
  );
  await runOk("npm", ["ci", "--offline", "--no-audit", "--no-fund", "--ignore-scripts"], { cwd: dir });
  for (const name of options.links) {
    const target = join(dir, "node_modules", name);
    mkdirSync(dirname(target), { recursive: true });
    symlinkSync(join(REPO, "node_modules", name), target, "dir");
  }
  for (const [path, text] of Object.entries(options.files ?? {})) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

/** Remove a consumer project (its symlinks only, never what they point at). */
export function removeProject(dir: string | undefined): void {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
}

/** Builds of earlier sources: removed once a newer one exists (an hour later, in case a run still reads one). */
function removeOldBuilds(keep: string): void {
  const parent = dirname(keep);
  for (const name of readdirSync(parent)) {
    const path = join(parent, name);
    if (path === keep || name.endsWith(".lock")) continue;
    if (Date.now() - statSync(path).mtimeMs > 3_600_000) rmSync(path, { recursive: true, force: true });
  }
}

/** The strict consumer tsconfig the issue asks for: `strict`, NodeNext, and library checking on. */
export const STRICT_TSCONFIG = `${JSON.stringify(
  {
    compilerOptions: {
      strict: true,
      module: "NodeNext",
      moduleResolution: "NodeNext",
      target: "ES2022",
      lib: ["ES2023"],
      types: ["node"],
      skipLibCheck: false,
      outDir: "out",
      rootDir: "src",
    },
    include: ["src"],
  },
  null,
  2,
)}\n`;

/** `tsc -p .` in a consumer project; also returns the type files the program read (`--listFiles`). */
export async function compile(dir: string): Promise<{ result: RunResult; files: string[] }> {
  const result = await run(process.execPath, [join(dir, "node_modules/typescript/bin/tsc"), "-p", ".", "--listFiles"], {
    cwd: dir,
  });
  const files = result.stdout
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.startsWith("/"))
    .map((l) => relative(dir, l));
  return { result, files };
}
