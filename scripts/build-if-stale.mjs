// `npm run demo`: build only when dist/ is not the build of the sources as they are now. The fingerprint hashes every
// build input's path and content (src/, tsconfig*.json, package.json and the build scripts), so an edited, added or
// deleted source file, a `git checkout` or a pull all rebuild, and a file only touched does not. `npm run build`
// ends with `--stamp`, which records the fingerprint in node_modules/.cache (outside dist/, so the package never
// ships it); `--check` prints "fresh" or "stale" and builds nothing.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const INPUTS = [
  "src",
  "package.json",
  "tsconfig.json",
  "tsconfig.build.json",
  "scripts/embed-sources.mjs",
  "scripts/make-bin-executable.mjs",
  "scripts/build-if-stale.mjs",
];

/** Each input file under `rel` of `root`, recursively, in a stable order. */
function files(root, rel) {
  const abs = join(root, rel);
  if (!existsSync(abs)) return [];
  if (!statSync(abs).isDirectory()) return [rel];
  return readdirSync(abs, { withFileTypes: true })
    .map((e) => e.name)
    .sort()
    .flatMap((name) => files(root, join(rel, name)));
}

/** The fingerprint (hex SHA-256) of the build inputs of `root` as they are now. */
export function fingerprint(root = ROOT) {
  const hash = createHash("sha256");
  for (const rel of INPUTS.flatMap((input) => files(root, input))) {
    hash.update(`${rel}\0`);
    hash.update(readFileSync(join(root, rel)));
    hash.update("\0");
  }
  return hash.digest("hex");
}

/** Where `root`'s last build recorded its fingerprint. */
export function stampPath(root = ROOT) {
  return join(root, "node_modules", ".cache", "pgqrs-build-inputs");
}

/** Whether `root`'s dist/ holds the build of its inputs as they are now. */
export function fresh(root = ROOT) {
  if (!existsSync(join(root, "dist", "cli", "main.js")) || !existsSync(stampPath(root))) return false;
  return readFileSync(stampPath(root), "utf8").trim() === fingerprint(root);
}

/** Record that `root`'s dist/ is the build of its inputs as they are now. */
export function stamp(root = ROOT) {
  mkdirSync(dirname(stampPath(root)), { recursive: true });
  writeFileSync(stampPath(root), `${fingerprint(root)}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes("--check")) {
    process.stdout.write(`${fresh() ? "fresh" : "stale"}\n`);
  } else if (process.argv.includes("--stamp")) {
    stamp();
  } else if (fresh()) {
    process.stderr.write("dist/ is the build of the sources as they are: no build needed.\n");
  } else {
    process.stderr.write("Building pgqrs (dist/ is missing or older than the sources)…\n");
    execFileSync("npm", ["run", "build", "--silent"], { cwd: ROOT, stdio: "inherit" });
  }
}
