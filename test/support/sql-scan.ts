/**
 * Finds the SQL text of the PostgreSQL backend (string and template literals in `src/store/postgres/*.ts`, and the
 * migration files) and the function calls in it that PostgreSQL would resolve through the search_path. Used by the
 * static qualification test and by the search-path shadowing test (which shadows every function the SQL calls).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";

export const POSTGRES_SQL_DIR = new URL("../../src/store/postgres/", import.meta.url).pathname;

export interface SqlSource {
  /** Path relative to the repository root, and the 1-based line where the literal starts. */
  where: string;
  sql: string;
}

/** `file:line` of an offset into a source's SQL. */
function whereAt(source: SqlSource, index: number): string {
  const m = /^(.*):(\d+)$/.exec(source.where);
  if (m === null) return source.where;
  return `${m[1]}:${Number(m[2]) + lineOf(source.sql, index) - 1}`;
}

export interface FunctionCall {
  where: string;
  name: string;
  /** `pg_catalog`, our own schema (`{{schema}}` or a `${…}` placeholder), or null when unqualified. */
  qualifier: string | null;
  context: string;
}

/** Stands in for a `${…}` placeholder of a template literal (always a schema, table, column list or constant). */
const PLACEHOLDER = "__ts_expr__";

/** Uppercase SQL words; a literal with none of them is a message or a name, not SQL. */
const SQL_WORDS =
  /\b(SELECT|INSERT|UPDATE|DELETE|WITH|CREATE|ALTER|DROP|FROM|WHERE|AND|OR|SET|RETURNING|FILTER|CASE|JOIN|VALUES|LIMIT|ORDER BY|GROUP BY|IS NULL|IS NOT NULL|EXISTS|ANY|PERFORM|LISTEN)\b/;

/** A cast, a qualified catalog name or OPERATOR(): SQL fragments without keywords (`…::int8`) have one. */
const SQL_MARKS = /::|\bpg_catalog\.|\bOPERATOR\(/;

/**
 * Words followed by `(` that are SQL syntax, not a call resolved by name: keywords, type modifiers
 * (`VARCHAR(255)`), and constructs PostgreSQL compiles to fixed `pg_catalog` functions or opclass comparisons
 * (COALESCE, GREATEST, LEAST, EXTRACT, CAST). NULLIF and CASE x WHEN are not here: they resolve `=` by name.
 */
const SYNTAX = new Set(
  [
    "as",
    "in",
    "exists",
    "any",
    "all",
    "some",
    "values",
    "filter",
    "over",
    "coalesce",
    "greatest",
    "least",
    "extract",
    "cast",
    "row",
    "array",
    "and",
    "or",
    "not",
    "on",
    "using",
    "from",
    "join",
    "where",
    "select",
    "with",
    "materialized",
    "conflict",
    "key",
    "unique",
    "references",
    "enum",
    "set",
    "check",
    "lateral",
    "then",
    "else",
    "when",
    "returning",
    "is",
    "if",
    "include",
    "operator",
    "varchar",
    "char",
    "character",
    "numeric",
    "decimal",
    "timestamp",
    "timestamptz",
    "time",
    "interval",
  ].map((w) => w.toLowerCase()),
);

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Every SQL-looking literal of one TypeScript file; placeholders become {@link PLACEHOLDER}. */
function literalsOf(path: string, where: string): SqlSource[] {
  const text = readFileSync(path, "utf8");
  const file = ts.createSourceFile(path, text, ts.ScriptTarget.ES2022, true);
  const out: SqlSource[] = [];
  const visit = (node: ts.Node): void => {
    let sql: string | undefined;
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) sql = node.text;
    else if (ts.isTemplateExpression(node)) {
      sql = node.head.text + node.templateSpans.map((s) => ` ${PLACEHOLDER} ${s.literal.text}`).join("");
    }
    if (sql !== undefined && (SQL_WORDS.test(sql) || SQL_MARKS.test(sql))) {
      out.push({ where: `${where}:${lineOf(text, node.getStart(file))}`, sql });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return out;
}

/** The SQL of the PostgreSQL backend: TypeScript literals and whole migration files. */
export function postgresSqlSources(dir = POSTGRES_SQL_DIR): SqlSource[] {
  const sources: SqlSource[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name.endsWith(".ts")) sources.push(...literalsOf(join(dir, name), `src/store/postgres/${name}`));
  }
  const migrations = join(dir, "migrations");
  for (const name of readdirSync(migrations).sort()) {
    if (!name.endsWith(".sql")) continue;
    sources.push({
      where: `src/store/postgres/migrations/${name}:1`,
      sql: readFileSync(join(migrations, name), "utf8"),
    });
  }
  return sources;
}

/** Comments, string constants and quoted identifiers removed (kept as blanks so offsets stay meaningful). */
function stripNonCode(sql: string): string {
  const blank = (m: string) => m.replace(/[^\n]/g, " ");
  return sql
    .replace(/--[^\n]*/g, blank)
    .replace(/\/\*[\s\S]*?\*\//g, blank)
    .replace(/'(?:[^']|'')*'/g, blank)
    .replace(/"(?:[^"]|"")*"/g, (m) => (m === `""` ? m : "q".repeat(m.length)));
}

/** Index of the `)` closing the parenthesis opened just before `from`. */
function closingParen(code: string, from: number): number {
  let depth = 1;
  for (let i = from; i < code.length; i++) {
    if (code[i] === "(") depth++;
    else if (code[i] === ")" && --depth === 0) return i;
  }
  return code.length;
}

/** Every `name(` in one piece of SQL that is a function call, with its qualifier. */
export function functionCalls(source: SqlSource): FunctionCall[] {
  const code = stripNonCode(source.sql);
  const calls: FunctionCall[] = [];
  const pattern = /((?:[A-Za-z_][\w$]*|\{\{schema\}\})\s*\.\s*)?([A-Za-z_][\w$]*)\s*\(/g;
  for (let m = pattern.exec(code); m !== null; m = pattern.exec(code)) {
    const before = code.slice(0, m.index);
    if (/[\w$.]$/.test(before)) continue; // the tail of a longer word or of a qualified name
    const name = m[2] as string;
    const qualifier = m[1] === undefined ? null : m[1].replace(/[\s.]/g, "");
    const context = code
      .slice(Math.max(0, m.index - 30), m.index + m[0].length + 20)
      .replace(/\s+/g, " ")
      .trim();
    if (qualifier === null) {
      if (SYNTAX.has(name.toLowerCase()) || name === PLACEHOLDER) continue;
      // `AS alias(col, …)`: the column list of a table alias.
      if (/\bAS\s+$/i.test(before)) continue;
      // `WITH name(col, …) AS (…)`: the column list of a common table expression.
      if (/^\s*AS\s+(NOT\s+)?(MATERIALIZED\s*)?\(/i.test(code.slice(closingParen(code, m.index + m[0].length) + 1))) {
        continue;
      }
    }
    calls.push({ where: whereAt(source, m.index), name, qualifier, context });
  }
  return calls;
}

/** Calls not qualified with `pg_catalog.` nor with our own schema (a table's column list or our own function). */
export function unsafeCalls(sources: readonly SqlSource[]): FunctionCall[] {
  const ours = new Set(["{{schema}}", PLACEHOLDER]);
  return sources
    .flatMap(functionCalls)
    .filter((c) => c.qualifier === null || (c.qualifier !== "pg_catalog" && !ours.has(c.qualifier)));
}

/** Names of the `pg_catalog` functions and aggregates the SQL calls. */
export function catalogFunctionNames(sources: readonly SqlSource[]): Set<string> {
  return new Set(
    sources
      .flatMap(functionCalls)
      .filter((c) => c.qualifier === "pg_catalog")
      .map((c) => c.name.toLowerCase()),
  );
}

/**
 * Columns whose type has no comparison operator of its own in pg_catalog, so that an operator created in another
 * schema for exactly that type would be chosen: VARCHAR `queue_name` and `step_name`, the enum `status` columns,
 * and information_schema's `sql_identifier` domain. (`pgqrs_workflows.name` is VARCHAR too, but `name` is also a
 * TEXT column of pgqrs_workers; the run-time test covers it.)
 */
const SHADOWABLE_COLUMNS = ["queue_name", "step_name", "status", "table_schema", "table_name", "column_name"];

export interface Comparison {
  where: string;
  column: string;
  context: string;
}

/**
 * Comparisons of a {@link SHADOWABLE_COLUMNS} column in a predicate (after WHERE, AND, OR, NOT, WHEN, ON, HAVING or
 * `(`) written with a plain operator: they must use `OPERATOR(pg_catalog.op)` or cast the column (`status::text`).
 * Assignments (`SET status = …`) are not predicates and are not reported.
 */
export function shadowableComparisons(sources: readonly SqlSource[]): Comparison[] {
  const column = `(?:[A-Za-z_][\\w$]*\\.)?(?:${SHADOWABLE_COLUMNS.join("|")})`;
  const op = String.raw`(?:=|<>|!=|<=|>=|<|>|!?~~\*?|NOT\s+IN\b|IN\b|NOT\s+I?LIKE\b|I?LIKE\b|IS\s+(?:NOT\s+)?DISTINCT\b|BETWEEN\b)`;
  const pattern = new RegExp(
    String.raw`(?:^|\bWHERE|\bAND|\bOR|\bNOT|\bWHEN|\bON|\bHAVING|\()\s*(${column})\s*${op}`,
    "gi",
  );
  const out: Comparison[] = [];
  for (const source of sources) {
    const code = stripNonCode(source.sql);
    for (let m = pattern.exec(code); m !== null; m = pattern.exec(code)) {
      out.push({
        where: whereAt(source, m.index),
        column: m[1] as string,
        context: code.slice(m.index, m.index + m[0].length + 20).replace(/\s+/g, " "),
      });
      pattern.lastIndex = m.index + 1;
    }
  }
  return out;
}
