import { describe, expect, it } from "vitest";
import * as pgqrs from "../../src/index.js";
import { adminQuery, faultDsn, uniqueSchema } from "./support/fault-env.js";

const ROLE = "pgqrs_worker";

/** The DSN of `role` on the fault cluster (trust auth: the password is never checked, only carried). */
function dsnAs(role: string, password?: string): string {
  const url = new URL(faultDsn());
  url.username = role;
  if (password !== undefined) url.password = password;
  return url.toString();
}

/** The grants docs/security.md gives a worker role after install(). */
async function grantWorker(schema: string): Promise<void> {
  await adminQuery(`DO $$ BEGIN CREATE ROLE ${ROLE} LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$`);
  await adminQuery(`GRANT CONNECT ON DATABASE pgqrs_test TO ${ROLE}`);
  await adminQuery(`GRANT USAGE ON SCHEMA "${schema}" TO ${ROLE}`);
  await adminQuery(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "${schema}" TO ${ROLE}`);
  await adminQuery(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "${schema}" TO ${ROLE}`);
}

describe("isolation and least privilege", () => {
  it("two schemas in one database do not see each other's queues", async () => {
    const [a, b] = [uniqueSchema("iso_a"), uniqueSchema("iso_b")];
    const sa = await pgqrs.connect(faultDsn(), { schema: a });
    const sb = await pgqrs.connect(faultDsn(), { schema: b });
    await pgqrs.admin(sa).install();
    await pgqrs.admin(sb).install();
    await pgqrs.admin(sa).createQueue("jobs");
    await pgqrs.admin(sb).createQueue("jobs");
    await pgqrs.admin(sa).createQueue("only_in_a");
    await (await sa.producer("jobs")).enqueueBatch([{ from: "a" }, { from: "a" }]);
    await (await sb.producer("jobs")).enqueue({ from: "b" });
    expect((await pgqrs.admin(sb).listQueues()).map((q) => q.queueName)).toEqual(["jobs"]);
    const missing = await pgqrs
      .admin(sb)
      .getQueue("only_in_a")
      .catch((e: pgqrs.PgqrsError) => e);
    expect((missing as pgqrs.PgqrsError).code).toBe("QUEUE_NOT_FOUND");
    const got = await (await sb.consumer("jobs")).dequeue({ batchSize: 10 });
    expect(got.map((m) => m.payload)).toEqual([{ from: "b" }]);
    const gotA = await (await sa.consumer("jobs")).dequeue({ batchSize: 10 });
    expect(gotA.map((m) => m.payload)).toEqual([{ from: "a" }, { from: "a" }]);
    await sa.close();
    await sb.close();
    await adminQuery(`DROP SCHEMA "${a}" CASCADE`);
    await adminQuery(`DROP SCHEMA "${b}" CASCADE`);
  });

  it("a worker role with only DML rights after install() runs queues and workflows, and nothing more", async () => {
    const schema = uniqueSchema("priv");
    const other = uniqueSchema("priv_other");
    const owner = await pgqrs.connect(faultDsn(), { schema });
    await pgqrs.admin(owner).install();
    await pgqrs.admin(owner).createQueue("jobs");
    const otherStore = await pgqrs.connect(faultDsn(), { schema: other });
    await pgqrs.admin(otherStore).install();
    await grantWorker(schema);

    const store = await pgqrs.connect(dsnAs(ROLE), { schema });
    await pgqrs.admin(store).verify();
    const producer = await store.producer("jobs");
    const sent = await producer.enqueueBatch([{ n: 1 }, { n: 2 }, { n: 3 }]);
    const consumer = await store.consumer("jobs", "least-privileged");
    const got = await consumer.dequeue({ batchSize: 3, vtSeconds: 30 });
    expect(got.map((m) => m.id)).toEqual(sent.map((m) => m.id));
    expect(await consumer.archive(got[0]?.id ?? 0)).toBe(true);
    expect(await consumer.delete(got[1]?.id ?? 0)).toBe(true);
    expect(await consumer.extendVt(got[2]?.id ?? 0, 10)).toBe(true);
    await consumer.releaseMessages([got[2]?.id ?? 0]);
    // Workflows too: definition, trigger, a worker serving it.
    const def = pgqrs.defineWorkflow({ name: "priv_flow" }, async (run, input: { x: number }) =>
      pgqrs.workflowStep(run, "double", async () => input.x * 2),
    );
    await pgqrs.workflow().name(def).create(store);
    const trigger = await pgqrs.workflow().name(def).trigger({ x: 21 }).execute(store);
    const wc = await store.consumer("priv_flow", "least-privileged-wf");
    const serving = pgqrs.workflow().name(def).consumer(wc).poll(store);
    expect(await pgqrs.run().message(trigger).store(store).result({ timeoutMs: 20_000 })).toBe(42);
    await wc.interrupt();
    await serving;
    await pgqrs.admin(store).queueMetrics("jobs");

    // install() at start is fine when nothing is pending (it runs no DDL then); what it may not do is change the
    // schema (a pending migration), or touch another schema.
    await pgqrs.admin(store).install();
    const [latest] = await adminQuery<{ v: number }>(`SELECT max(version) AS v FROM "${schema}".pgqrs_migrations`);
    await adminQuery(`DELETE FROM "${schema}".pgqrs_migrations WHERE version = $1`, [latest?.v]);
    const ddl = await pgqrs
      .admin(store)
      .install()
      .catch((e: pgqrs.PgqrsError) => e);
    expect(ddl).toBeInstanceOf(pgqrs.PgqrsError);
    await pgqrs.admin(owner).install();
    const foreign = await pgqrs.connect(dsnAs(ROLE), { schema: other });
    const denied = await pgqrs
      .admin(foreign)
      .createQueue("x")
      .catch((e: pgqrs.PgqrsError) => e);
    expect((denied as pgqrs.PgqrsError).code).toBe("QUERY_FAILED");
    expect((denied as pgqrs.PgqrsError).message).toMatch(/permission denied/);
    await foreign.close();
    await consumer.shutdown().catch(() => undefined);
    await store.close();
    await owner.close();
    await otherStore.close();
    await adminQuery(`DROP SCHEMA "${schema}" CASCADE`);
    await adminQuery(`DROP SCHEMA "${other}" CASCADE`);
  });

  it("passwords never appear in errors: refused, cut-off and in-URL-parameter passwords are masked", async () => {
    const secret = "s3cr3t-p@ss";
    const dsns = [
      "postgresql://app:hunter2@127.0.0.1:1/db",
      `postgresql://app:${encodeURIComponent(secret)}@127.0.0.1:1/db`,
      `postgresql://app:${secret}@127.0.0.1:1/db`,
      "postgresql://app@127.0.0.1:1/db?password=hunter2",
    ];
    for (const dsn of dsns) {
      const err = await pgqrs.connect(dsn, { connectionTimeoutSeconds: 2 }).catch((e: pgqrs.PgqrsError) => e);
      expect((err as pgqrs.PgqrsError).code).toBe("CONNECTION_FAILED");
      const text = `${String(err)} ${JSON.stringify((err as pgqrs.PgqrsError).details)}`;
      for (const s of ["hunter2", secret, encodeURIComponent(secret), "p@ss"]) expect(text).not.toContain(s);
    }
    // A connected store whose session is cut: the CONNECTION_FAILED that follows names the target, masked.
    const app = "pgqrs_mask_test";
    const dsn = `${dsnAs("postgres", "hunter2")}?application_name=${app}`;
    const schema = uniqueSchema("mask");
    const store = await pgqrs.connect(dsn, { schema });
    await pgqrs.admin(store).install();
    await adminQuery("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1", [app]);
    const errs: string[] = [];
    for (let i = 0; i < 3; i++) {
      await pgqrs
        .admin(store)
        .listQueues()
        .catch((e: pgqrs.PgqrsError) => errs.push(`${e.message} ${JSON.stringify(e.details)}`));
    }
    for (const e of errs) expect(e).not.toContain("hunter2");
    await store.close();
    await adminQuery(`DROP SCHEMA "${schema}" CASCADE`);
  });
});
