/**
 * Passwords never leak (security review M3, L5): `maskDsn` hides the password of every DSN form, a failed
 * connect's error never carries it, the CLI never prints it (plain, --verbose, --json), and a Config or a Store
 * printed with console.log / util.inspect / JSON.stringify shows it masked.
 */
import { inspect } from "node:util";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import * as pgqrs from "../../src/index.js";
import { Config, maskDsn } from "../../src/index.js";
import { BACKENDS, dropSchema, freshDatabase } from "../support/backends.js";

/** Characters a password may hold that DSN syntax gives meaning to, plus spaces, quotes and non-ASCII. */
const PASSWORD_CHARS = [..."abcXYZ019/?#@:%&=+ '\\\"é日🔑", "\t"];
/** Generated passwords start with "pw": a raw password is then never read as a port number. */
const password = fc
  .string({ unit: fc.constantFrom(...PASSWORD_CHARS), minLength: 2, maxLength: 16 })
  .map((s) => `pw${s}`);

const quoteKv = (p: string) => `'${p.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;

/** Each form: the DSN with a password (nothing listens on port 1), and the ways the password may be written in it. */
const FORMS: Record<string, (p: string) => { dsn: string; secrets: string[] }> = {
  "URL, raw": (p) => ({ dsn: `postgresql://user:${p}@127.0.0.1:1/db`, secrets: [p] }),
  "URL, percent-encoded": (p) => ({
    dsn: `postgresql://user:${encodeURIComponent(p)}@127.0.0.1:1/db`,
    secrets: [p, encodeURIComponent(p)],
  }),
  "password= parameter": (p) => ({
    dsn: `postgresql://user@127.0.0.1:1/db?password=${encodeURIComponent(p)}&application_name=x`,
    secrets: [p, encodeURIComponent(p)],
  }),
  "sslpassword= parameter, raw": (p) => ({
    dsn: `postgres://user@127.0.0.1:1/db?sslmode=disable&sslpassword=${p}`,
    secrets: [p],
  }),
  "key=value, quoted": (p) => ({
    dsn: `host=127.0.0.1 port=1 user=u password=${quoteKv(p)} dbname=db`,
    secrets: [p, quoteKv(p)],
  }),
};

/** The password may only be judged absent when it is not also some other part of the DSN. */
function distinct(form: (p: string) => { dsn: string }, p: string): boolean {
  const skeleton = `${form("").dsn} *** ${maskDsn(form("pw").dsn)}`;
  return !skeleton.includes(p) && !/&[A-Za-z_][A-Za-z0-9_]*=/.test(p);
}

/** The DSN with a password: its own when it has one, else `fallback` (the test cluster trusts local connections). */
function withPassword(dsn: string, fallback: string): { dsn: string; password: string } {
  const url = new URL(dsn);
  if (url.password === "") url.password = fallback;
  return { dsn: url.toString(), password: decodeURIComponent(url.password) };
}

function leaked(text: string, secrets: readonly string[]): string | undefined {
  return secrets.find((s) => text.includes(s));
}

describe("maskDsn over generated passwords", () => {
  it.each(Object.keys(FORMS))("%s", (name) => {
    const form = FORMS[name] as (p: string) => { dsn: string; secrets: string[] };
    fc.assert(
      fc.property(password, (p) => {
        fc.pre(distinct(form, p));
        const { dsn, secrets } = form(p);
        expect(leaked(maskDsn(dsn), secrets)).toBeUndefined();
        expect(maskDsn(dsn)).toContain("***");
      }),
      { numRuns: 300 },
    );
  });
});

describe("a failed connect never carries the password", () => {
  it("in its message, details or causes, for every DSN form", async () => {
    const names = Object.keys(FORMS);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...names), password, async (name, p) => {
        const form = FORMS[name] as (p: string) => { dsn: string; secrets: string[] };
        fc.pre(distinct(form, p));
        const { dsn, secrets } = form(p);
        let error: unknown;
        try {
          const store = await pgqrs.connect(dsn, { connectionTimeoutSeconds: 0.05 });
          await pgqrs.admin(store).verify();
          await store.close();
        } catch (err) {
          error = err;
        }
        expect(error).toBeInstanceOf(Error);
        expect(leaked((error as Error).message, secrets)).toBeUndefined();
        expect(leaked(inspect(error, { depth: 10 }), secrets)).toBeUndefined();
      }),
      { numRuns: 40 },
    );
  }, 120_000);
});

/** Run the CLI in-process; everything it wrote to stdout and stderr. */
async function cliOutput(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  let text = "";
  const write = (chunk: string): boolean => {
    text += chunk;
    return true;
  };
  const sink = { write, isTTY: false } as unknown as NodeJS.WriteStream;
  await main(argv, { out: sink, err: sink, env: { PGQRS_CONNECTION_TIMEOUT: "0.05", ...env }, cwd: process.cwd() });
  return text;
}

describe("the CLI never prints the password", () => {
  it("plain, --verbose and --json, from --dsn or PGQRS_DSN, for every DSN form", async () => {
    const names = Object.keys(FORMS);
    const mode = fc.constantFrom([], ["--verbose"], ["--json"], ["--json", "--verbose"]);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...names), password, mode, fc.boolean(), async (name, p, flags, viaEnv) => {
        const form = FORMS[name] as (p: string) => { dsn: string; secrets: string[] };
        fc.pre(distinct(form, p));
        const { dsn, secrets } = form(p);
        const out = viaEnv
          ? await cliOutput(["queue", "list", ...flags], { PGQRS_DSN: dsn })
          : await cliOutput(["queue", "list", "--dsn", dsn, ...flags]);
        expect(out.length).toBeGreaterThan(0);
        expect(leaked(out, secrets)).toBeUndefined();
      }),
      { numRuns: 40 },
    );
  }, 120_000);
});

describe("printing a Config or a Store masks the DSNs", () => {
  const secret = "Hunter2-never-printed";

  it("Config: JSON.stringify, util.inspect and console.log's formatting", () => {
    const config = new Config({
      dsn: `postgresql://app:${secret}@db.internal/app`,
      listenDsn: `postgresql://direct:${secret}@db.internal/app`,
    });
    expect(JSON.stringify(config)).not.toContain(secret);
    expect(JSON.stringify(config)).toContain("app:***@db.internal");
    expect(inspect(config, { depth: Number.POSITIVE_INFINITY, showHidden: true })).not.toContain(secret);
    expect(inspect({ nested: [config] })).not.toContain(secret);
    expect(config.dsn).toContain(secret);
    expect(JSON.parse(JSON.stringify(config)).maxReadCt).toBe(5);
  });

  describe.each(BACKENDS)("on %s", (backend) => {
    const { dsn: base, schema } = freshDatabase(backend);
    const { dsn, password } = backend === "postgres" ? withPassword(base, secret) : { dsn: base, password: secret };
    afterAll(async () => {
      if (backend === "postgres") await dropSchema(schema);
    });

    it("the store, its config, admin, producers and consumers", async () => {
      if (backend === "postgres") expect(dsn).toContain(password);
      const listenDsn = `postgresql://listen:${secret}@127.0.0.1:1/db`;
      const store = await pgqrs.connect(dsn, backend === "postgres" ? { schema } : { schema, listenDsn });
      try {
        const admin = pgqrs.admin(store);
        await admin.install();
        await admin.createQueue("secrets_q");
        const producer = await store.producer("secrets_q");
        const consumer = await store.consumer("secrets_q", "secrets_worker");
        for (const value of [store, store.config, admin, producer, consumer]) {
          const shown = inspect(value, { depth: Number.POSITIVE_INFINITY, showHidden: true });
          expect(shown).not.toContain(secret);
          expect(shown).not.toContain(password);
        }
        expect(JSON.stringify(store.config)).not.toContain(secret);
        expect(JSON.stringify(store.config)).not.toContain(password);
      } finally {
        await store.close();
      }
    });
  });
});
