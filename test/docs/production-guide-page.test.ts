/**
 * docs/guides/production.md as a page: it covers each topic it should with the real API and commands, every TypeScript
 * block (samples and programs) typechecks in a strict project with Next.js's `@/` alias, it is linked from the README
 * and getting started, and its environment variables are configuration fields. The samples and programs run in
 * production-guide-samples.test.ts. The guide's blocks and shared setups are in production-guide-support.ts.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it, vi } from "vitest";
import * as pgqrs from "../../src/index.js";
import { writeProgram } from "./production-fixtures/guide-programs.js";
import { blocks, guideEnv, markdown, ROOT, samples } from "./production-guide-support.js";
import { expectedOutput } from "./sample-support.js";

vi.setConfig({ testTimeout: 180_000, hookTimeout: 60_000 });
const execFileAsync = promisify(execFile);

describe("the production guide", () => {
  it("covers each topic the issue names, with the real API and commands", () => {
    for (const text of [
      "competing consumers",
      "FOR UPDATE SKIP LOCKED",
      "At least once",
      "Idempotent handlers",
      "Worker names are unique",
      "worker.stop({ timeoutMs: 25_000 })",
      "process.once(signal, () => {",
      "terminationGracePeriodSeconds: 30",
      '"worker", "health", "--stale-after", "60"',
      "It answers for every worker of the schema, not for this pod",
      "max_connections",
      "PGQRS_LISTEN_DSN",
      "pg_advisory_xact_lock",
      "transaction mode",
      "SCHEMA_VALIDATION",
      "rolling deploy",
      "express.json()",
      "Fastify()",
      "export async function POST(request: Request): Promise<Response>",
      "handleBatch(",
      ".execute(store)",
    ]) {
      expect(markdown, text).toContain(text);
    }
    // The figures of the connection budget are the library's defaults.
    expect(new pgqrs.Config({ dsn: "postgresql://h/db" }).maxConnections).toBe(16);
    expect(markdown).toContain("(default 16, `PGQRS_MAX_CONNECTIONS`)");
    expect(markdown).toContain("6 × 17 = 102");
    expect(markdown).toContain("6 × 9 = 54");
    expect(samples.length).toBeGreaterThanOrEqual(2);
    for (const s of samples) expect(expectedOutput(s.code).length, s.name).toBeGreaterThan(0);
  });

  it("every TypeScript block typechecks in a strict project (Next.js's `@/` alias, bundler resolution)", async () => {
    const files: Record<string, string> = {
      "tsconfig.json": JSON.stringify({
        compilerOptions: {
          strict: true,
          noUncheckedIndexedAccess: true,
          exactOptionalPropertyTypes: true,
          module: "ESNext",
          moduleResolution: "Bundler",
          target: "ES2022",
          lib: ["ES2022", "DOM"],
          types: ["node"],
          noEmit: true,
          skipLibCheck: true,
          paths: { "@/*": ["./*"] },
        },
        include: ["**/*.ts"],
      }),
    };
    blocks
      .filter((b) => b.lang === "ts")
      .forEach((b, i) => {
        files[b.title ?? `sample-${i}.ts`] = `${b.code}\n`;
      });
    expect(Object.keys(files).length).toBeGreaterThanOrEqual(9);
    const dir = writeProgram(files);
    const tsc = join(ROOT, "node_modules", "typescript", "bin", "tsc");
    const r = await execFileAsync(process.execPath, [tsc, "-p", join(dir, "tsconfig.json")]).catch(
      (err: { stdout?: string; code?: number }) => ({ stdout: err.stdout ?? String(err), stderr: "" }),
    );
    expect(r.stdout).toBe("");
  });

  it("is linked from the README and from getting started", () => {
    expect(readFileSync(join(ROOT, "README.md"), "utf8")).toContain("docs/guides/production.md");
    expect(readFileSync(join(ROOT, "docs/getting-started.md"), "utf8")).toContain("guides/production.md");
  });

  it("its environment variables are configuration fields (PgBouncer for the pool, a direct address for LISTEN)", () => {
    const env = guideEnv();
    expect(Object.keys(env).sort()).toEqual(["PGQRS_DSN", "PGQRS_LISTEN_DSN", "PGQRS_MAX_CONNECTIONS"]);
    const config = pgqrs.Config.fromEnv(env);
    expect(config.dsn).toBe(env.PGQRS_DSN);
    expect(config.listenDsn).toBe(env.PGQRS_LISTEN_DSN);
    expect(config.maxConnections).toBe(8);
  });
});
