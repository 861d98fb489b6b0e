import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { describe, expect, it } from "vitest";
import {
  type BackendName,
  dialectOf,
  EVERY_BACKEND,
  freshDatabase,
  postgresDsn,
  uniqueName,
} from "../support/backends.js";

/** Run `fn` with the DSN of a brand-new database of the backend (the examples use the default schema). */
async function withFreshDatabase(backend: BackendName, fn: (dsn: string) => void): Promise<void> {
  if (dialectOf(backend) === "sqlite") return fn(freshDatabase(backend).dsn);
  const name = uniqueName("ex");
  const admin = new pg.Client({ connectionString: postgresDsn() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  try {
    const url = new URL(postgresDsn());
    url.pathname = `/${name}`;
    fn(url.toString());
  } finally {
    await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
    await admin.end();
  }
}

function runExample(file: string, dsn: string): string {
  return execFileSync(process.execPath, ["--import", "tsx", join(process.cwd(), file)], {
    env: { ...process.env, PGQRS_DSN: dsn },
    encoding: "utf8",
  });
}

const readme = readFileSync("README.md", "utf8");

describe.each([
  {
    file: "examples/queue-quickstart.ts",
    check: (out: string) => {
      expect(out).toContain("sending to ada@example.com");
      expect(out).toContain("sending to grace@example.com");
      expect(out).toMatch(/archivedMessages: 3/);
    },
  },
  {
    file: "examples/basic-workflow.ts",
    check: (out: string) => {
      expect(out).toContain('step by step: SUCCESS {"status":"success"}');
      // Postgres's JSONB orders object keys its own way: compare values, not text.
      const line = out.split("\n").find((l) => l.startsWith("definition-driven: "));
      expect(JSON.parse(line?.slice("definition-driven: ".length) ?? "null")).toEqual({
        processed: "task_data",
        id: 2,
        status: "done",
      });
    },
  },
])("$file", ({ file, check }) => {
  it("is in the README word for word", () => {
    expect(readme).toContain(readFileSync(file, "utf8").trim());
  });

  it.each(EVERY_BACKEND)(
    "runs as written on %s",
    async (backend) => {
      await withFreshDatabase(backend, (dsn) => check(runExample(file, dsn)));
    },
    60_000,
  );
});
