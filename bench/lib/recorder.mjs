/**
 * One run's figures: every section records its per-round values here (`record`), and a failing scenario is noted
 * (`attempt`) instead of ending the run.
 */

/**
 * A fresh recorder. `figures` maps a figure id to `{ id, label, unit, higherIsBetter, values }`, where `values`
 * maps a system to `{ rounds, capped, note? }`; `failures` maps "system scenario" to its error message.
 */
export function recorder(log) {
  const figures = new Map();
  const failures = {};
  function record(id, meta, system, value, extra = {}) {
    let f = figures.get(id);
    if (f === undefined) {
      f = { id, ...meta, values: {} };
      figures.set(id, f);
    }
    f.values[system] ??= { rounds: [], capped: false };
    const v = f.values[system];
    v.rounds.push(value);
    if (extra.capped) v.capped = true;
    if (extra.note) v.note = extra.note;
  }
  /** Record every `[id, meta, value, extra]` row for one system. */
  const recordAll = (system, rows) => {
    for (const [id, meta, value, extra] of rows) record(id, meta, system, value, extra);
  };
  /** `fn()`'s result, or undefined (logged and kept in `failures`) when it throws. */
  async function attempt(system, what, fn) {
    try {
      return await fn();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      failures[`${system} ${what}`] = message;
      log(`  ! ${system} ${what} failed: ${message.split("\n")[0]}`);
      return undefined;
    }
  }
  return { figures, failures, record, recordAll, attempt };
}
