/**
 * The error of a multi-host (or keyword) DSN whose servers all refuse: it names the kind of server asked for when
 * `target_session_attrs` asks for one, and reads as plain English when it does not ("accepts a session", never
 * "accepts a any session"). Port 1 on the loopback refuses at once: no server is needed.
 */
import { describe, expect, it } from "vitest";
import { createPgClient } from "../../src/store/postgres/postgres-multi-host.js";

async function refusal(dsn: string): Promise<string> {
  const client = createPgClient({ connectionString: dsn, connectionTimeoutMillis: 2_000 });
  client.on("error", () => undefined);
  const err = await client.connect().then(
    () => undefined,
    (e: unknown) => e,
  );
  await client.end().catch(() => undefined);
  expect(err).toBeInstanceOf(Error);
  expect((err as { code?: string }).code).toBe("08001");
  return (err as Error).message;
}

describe("no server fits a multi-host DSN", () => {
  const base = "host=127.0.0.1 port=1 dbname=pgqrs_test user=postgres";

  it("target_session_attrs any (the default) and prefer-standby: 'accepts a session', no kind named", async () => {
    for (const dsn of [base, `${base} target_session_attrs=any`, `${base} target_session_attrs=prefer-standby`]) {
      const message = await refusal(dsn);
      expect(message, dsn).toMatch(/^no server of 127\.0\.0\.1:1 accepts a session \(last failure: /);
      expect(message, dsn).toContain("check that the servers are up");
      expect(message, dsn).not.toMatch(/ a (any|prefer-standby) session/);
    }
  });

  it("a kind of server asked for is named", async () => {
    expect(await refusal(`${base} target_session_attrs=read-write`)).toMatch(
      /^no server of 127\.0\.0\.1:1 accepts a read-write session \(last failure: .*the primary may be down/,
    );
    expect(await refusal(`${base} target_session_attrs=standby`)).toMatch(
      /^no server of 127\.0\.0\.1:1 accepts a standby session \(last failure: .*check that the servers are up/,
    );
  });
});
