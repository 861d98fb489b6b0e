/**
 * The attacker of the search-path shadowing test (CVE-2018-1058 pattern), second part: same-named functions and
 * aggregates in `public`, each of which writes `current_user` and its own signature into `public.pgqrs_loot` (see
 * `LOOT_SQL` in search-path-shadow-operators.ts) whenever it runs, then does what the pg_catalog original does. They
 * are shadowed with the signatures that beat pg_catalog's for the argument types the SQL passes (see
 * {@link FUNCTION_SHADOWS}).
 */

export interface FunctionShadow {
  name: string;
  args: readonly string[];
  /** A plain function, a set-returning one, or an aggregate (with its state type, step expression and start). */
  kind:
    | { is: "function"; returns: string; delegateAs?: readonly string[] }
    | { is: "setof"; returns: string }
    | { is: "aggregate"; stype: string; step: string; initcond?: string };
}

const count = (arg: string): FunctionShadow => ({
  name: "count",
  args: [arg],
  kind: {
    is: "aggregate",
    stype: "bigint",
    step: "state OPERATOR(pg_catalog.+) CASE WHEN v IS NULL THEN 0 ELSE 1 END",
    initcond: "0",
  },
});
const minMax = (name: "min" | "max", arg: string): FunctionShadow => ({
  name,
  args: [arg],
  kind: { is: "aggregate", stype: arg, step: name === "min" ? "LEAST(state, v)" : "GREATEST(state, v)" },
});
const unnest = (elem: string): FunctionShadow => ({
  name: "unnest",
  args: [`${elem}[]`],
  kind: { is: "setof", returns: elem },
});
const arrayAgg = (elem: string): FunctionShadow => ({
  name: "array_agg",
  args: [elem],
  kind: { is: "aggregate", stype: `${elem}[]`, step: "pg_catalog.array_append(state, v)" },
});
/** `delegateAs`: the types to cast the arguments to when calling the pg_catalog original. */
const fn = (name: string, args: string[], returns: string, delegateAs?: string[]): FunctionShadow => ({
  name,
  args,
  kind: delegateAs === undefined ? { is: "function", returns } : { is: "function", returns, delegateAs },
});

/**
 * Signatures that would beat pg_catalog's for the SQL's arguments: exact types where pg_catalog is polymorphic or
 * needs a cast (`unnest(bigint[])`, `min(varchar)`, `count(bigint)`), and `text` where the SQL passes an untyped
 * parameter to a non-text parameter (`pg_advisory_xact_lock($1)`: unknown prefers the string category).
 */
export const FUNCTION_SHADOWS: Readonly<Record<string, readonly FunctionShadow[]>> = {
  unnest: ["bigint", "integer", "text", "varchar", "jsonb"].map(unnest),
  array_agg: ["bigint", "integer", "text", "varchar"].map(arrayAgg),
  count: ["bigint", "integer", "text", "varchar", "timestamptz", "jsonb"].map(count),
  min: ["varchar", "name"].map((t) => minMax("min", t)),
  max: ["varchar", "name"].map((t) => minMax("max", t)),
  string_agg: [
    {
      name: "string_agg",
      args: ["varchar", "text"],
      kind: { is: "aggregate", stype: "text", step: "pg_catalog.concat_ws(b, state, v)" },
    },
  ],
  set_config: [fn("set_config", ["varchar", "varchar", "boolean"], "text")],
  pg_notify: [fn("pg_notify", ["varchar", "text"], "void"), fn("pg_notify", ["name", "text"], "void")],
  pg_advisory_xact_lock: [
    fn("pg_advisory_xact_lock", ["text"], "void", ["bigint"]),
    fn("pg_advisory_xact_lock", ["integer"], "void", ["bigint"]),
    fn("pg_advisory_xact_lock", ["numeric"], "void", ["bigint"]),
  ],
  pg_try_advisory_xact_lock: [
    fn("pg_try_advisory_xact_lock", ["text"], "boolean", ["bigint"]),
    fn("pg_try_advisory_xact_lock", ["integer"], "boolean", ["bigint"]),
  ],
  md5: [fn("md5", ["name"], "text"), fn("md5", ["varchar"], "text")],
  to_regclass: [fn("to_regclass", ["varchar"], "regclass"), fn("to_regclass", ["name"], "regclass")],
  to_regnamespace: [
    fn("to_regnamespace", ["varchar"], "regnamespace"),
    fn("to_regnamespace", ["name"], "regnamespace"),
  ],
  jsonb_build_object: [
    fn("jsonb_build_object", ["text", "bigint"], "jsonb"),
    fn("jsonb_build_object", ["text", "text"], "jsonb"),
  ],
  concat: [fn("concat", ["text", "name"], "text"), fn("concat", ["text", "text"], "text")],
  to_char: [fn("to_char", ["timestamp", "varchar"], "text"), fn("to_char", ["timestamptz", "text"], "text")],
  format: [
    fn("format", ["text", "text"], "text"),
    fn("format", ["text", "name", "name"], "text"),
    fn("format", ["text", "text", "text"], "text"),
    fn("format", ["text", "text", "bigint"], "text"),
  ],
  array_length: [
    fn("array_length", ["smallint[]", "integer"], "integer"),
    fn("array_length", ["bigint[]", "integer"], "integer"),
  ],
  decode: [fn("decode", ["varchar", "varchar"], "bytea")],
  lower: [fn("lower", ["varchar"], "text"), fn("lower", ["name"], "text")],
  strpos: [fn("strpos", ["varchar", "text"], "integer"), fn("strpos", ["varchar", "varchar"], "integer")],
  floor: [fn("floor", ["bigint"], "numeric"), fn("floor", ["integer"], "numeric")],
  date_part: [
    fn("date_part", ["varchar", "timestamptz"], "double precision"),
    fn("date_part", ["name", "timestamptz"], "double precision"),
  ],
  // The queue controls' functions (migration 0013) pin their own search_path; shadowed anyway in case it is not.
  cardinality: [fn("cardinality", ["bigint[]"], "integer")],
  jsonb_agg: [
    {
      name: "jsonb_agg",
      args: ["jsonb"],
      kind: {
        is: "aggregate",
        stype: "jsonb",
        step: "state OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_array(v)",
        initcond: "[]",
      },
    },
  ],
  sum: [
    {
      name: "sum",
      args: ["bigint"],
      kind: { is: "aggregate", stype: "numeric", step: "COALESCE(state, 0) OPERATOR(pg_catalog.+) v" },
    },
  ],
  jsonb_array_elements: [{ name: "jsonb_array_elements", args: ["jsonb"], kind: { is: "setof", returns: "jsonb" } }],
  hashtextextended: [fn("hashtextextended", ["varchar", "bigint"], "bigint", ["text", "bigint"])],
  jsonb_build_array: [
    fn("jsonb_build_array", ["bigint", "bigint"], "jsonb"),
    fn("jsonb_build_array", ["jsonb"], "jsonb"),
  ],
  // Failover's session check (postgres-multi-host.ts) and the worker filters (postgres-workers.ts, postgres-zombies.ts).
  current_setting: [fn("current_setting", ["varchar"], "text"), fn("current_setting", ["name"], "text")],
  starts_with: [
    fn("starts_with", ["varchar", "text"], "boolean"),
    fn("starts_with", ["varchar", "varchar"], "boolean"),
  ],
  make_interval: [
    fn("make_interval", ["integer", "integer", "integer", "integer", "integer", "integer", "numeric"], "interval"),
  ],
};

/**
 * Functions the SQL may call that no signature can shadow while pg_catalog comes first on the search_path (the
 * default): their only calls take no arguments or are window functions, and a same-signature function in a later
 * schema always loses. Qualified anyway (the static test), which also covers a search_path naming pg_catalog last.
 */
export const UNSHADOWABLE = new Set([
  "now",
  "pg_current_xact_id",
  "row_number",
  "clock_timestamp",
  "statement_timestamp",
  "pg_is_in_recovery",
  "current_database",
]);

/** The CREATE statements of one function shadow; `i` keeps helper names unique. */
export function functionShadowSql(s: FunctionShadow, i: number): string {
  const what = `'${s.kind.is} ${s.name}(${s.args.join(", ")})'`;
  const loot = `PERFORM public.pgqrs_loot_note(${what});`;
  const params = s.args.map((t, n) => `a${n} ${t}`).join(", ");
  const pass = s.args.map((_, n) => `a${n}`).join(", ");
  switch (s.kind.is) {
    case "function": {
      const casts = s.kind.delegateAs;
      const args = s.args.map((_, n) => (casts?.[n] === undefined ? `a${n}` : `a${n}::${casts[n]}`)).join(", ");
      const body =
        s.kind.returns === "void"
          ? `PERFORM pg_catalog.${s.name}(${args}); RETURN;`
          : `RETURN pg_catalog.${s.name}(${args});`;
      return `CREATE FUNCTION public.${s.name}(${params}) RETURNS ${s.kind.returns} LANGUAGE plpgsql AS $f$
        BEGIN ${loot} ${body} END $f$;`;
    }
    case "setof":
      return `CREATE FUNCTION public.${s.name}(${params}) RETURNS SETOF ${s.kind.returns} LANGUAGE plpgsql AS $f$
        BEGIN ${loot} RETURN QUERY SELECT * FROM pg_catalog.${s.name}(${pass}); END $f$;`;
    case "aggregate": {
      const step = `pgqrs_shadow_step_${i}`;
      const vars = s.args.length === 1 ? "v" : "v, b";
      const stepParams = s.args.map((t, n) => `${vars.split(", ")[n]} ${t}`).join(", ");
      const init = s.kind.initcond === undefined ? "" : `, INITCOND = '${s.kind.initcond}'`;
      return `CREATE FUNCTION public.${step}(state ${s.kind.stype}, ${stepParams}) RETURNS ${s.kind.stype}
          LANGUAGE plpgsql AS $f$ BEGIN ${loot} RETURN ${s.kind.step}; END $f$;
        CREATE AGGREGATE public.${s.name}(${s.args.join(", ")}) (SFUNC = public.${step}, STYPE = ${s.kind.stype}${init});`;
    }
  }
}

/** Every function shadow, as one script. */
export function functionShadowsSql(): string {
  return Object.values(FUNCTION_SHADOWS)
    .flat()
    .map((s, i) => functionShadowSql(s, i))
    .join("\n");
}
