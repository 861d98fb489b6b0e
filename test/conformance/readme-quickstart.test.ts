import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { BACKENDS, freshSqlitePath, postgresDsn, uniqueName } from "../support/backends.js";

const example = readFileSync("examples/queue-quickstart.ts", "utf8").trim();

/** Run `fn` with the DSN of a brand-new database of the backend (the example uses the default schema). */
async function withFreshDatabase(backend: string, fn: (dsn: string) => void): Promise<void> {
  if (backend === "sqlite") return fn(`sqlite://${freshSqlitePath()}`);
  const name = uniqueName("qs");
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

describe("the README's queue quick-start", () => {
  it("is the example file, word for word", () => {
    expect(readFileSync("README.md", "utf8")).toContain(example);
  });

  it.each(BACKENDS)(
    "runs as written on %s",
    async (backend) => {
      await withFreshDatabase(backend, (dsn) => {
        const out = execFileSync("npx", ["tsx", join(process.cwd(), "examples/queue-quickstart.ts")], {
          env: { ...process.env, PGQRS_DSN: dsn },
          encoding: "utf8",
        });
        expect(out).toContain("sending to ada@example.com");
        expect(out).toContain("sending to grace@example.com");
        expect(out).toMatch(/archivedMessages: 3/);
      });
    },
    60_000,
  );
});
