/** A node-postgres pool that records the names of the prepared statements its clients are asked to run. */
import pg from "pg";

/** A pool of at most `max` (default 4) connections to `dsn`, and the statement names it ran, in order. */
export function recordingPool(dsn: string, max = 4): { pool: pg.Pool; names: string[] } {
  const names: string[] = [];
  const pool = new pg.Pool({ connectionString: dsn, max });
  pool.on("connect", (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      const config = args[0] as { name?: unknown } | undefined;
      if (typeof config === "object" && config !== null && typeof config.name === "string") names.push(config.name);
      return query(...args);
    };
  });
  return { pool, names };
}
