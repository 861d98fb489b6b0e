/** Plain-text rendering of results: aligned tables, key/value blocks, short dates. */

export type Cell = string | number | boolean | Date | null | undefined;

/** A column: its header and how to get the cell from a row. */
export interface Column<T> {
  header: string;
  get: (row: T) => Cell;
  /** Right-align (numbers). */
  right?: boolean;
}

/** Render a cell for humans: dates as `YYYY-MM-DD HH:MM:SS` UTC, null as `-`, control characters escaped. */
export function cell(value: Cell): string {
  if (value === null || value === undefined) return "-";
  if (value instanceof Date) return shortDate(value);
  return escapeControls(String(value), { keepNewlines: true });
}

/** C0 controls, DEL and C1 controls: what a terminal may read as a command (clear screen, set title, colours). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const CONTROLS_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g;

/**
 * `text` with every C0/C1 control character and DEL shown as a visible escape (`\u{1b}`), so a queue or worker name
 * cannot clear the operator's terminal, recolour it or set its title. `keepNewlines` leaves `\n` for multi-line
 * output (help, tables, error blocks).
 */
export function escapeControls(text: string, options: { keepNewlines?: boolean } = {}): string {
  const pattern = options.keepNewlines === true ? CONTROLS_BUT_NEWLINE : CONTROLS;
  return text.replace(pattern, (c) => `\\u{${(c.codePointAt(0) as number).toString(16)}}`);
}

export function shortDate(d: Date): string {
  return d.toISOString().slice(0, 19).replace("T", " ");
}

/** Milliseconds as `850 ms`, `12.3 s`, `4 m 05 s`, `2 h 03 m`. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.floor(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} m ${String(s % 60).padStart(2, "0")} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} m`;
}

/** An aligned table with a header row; `empty` when there are no rows. */
export function table<T>(rows: readonly T[], columns: readonly Column<T>[], empty = "(none)"): string {
  if (rows.length === 0) return empty;
  const cells = rows.map((r) => columns.map((c) => oneLine(cell(c.get(r)))));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => (row[i] as string).length)));
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => (columns[i]?.right ? v.padStart(widths[i] as number) : v.padEnd(widths[i] as number)))
      .join("  ")
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...cells.map(line)].join("\n");
}

/** `key  value` lines, keys aligned. */
export function keyValues(pairs: readonly [string, Cell][]): string {
  const width = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${k.padEnd(width)}  ${oneLine(cell(v))}`).join("\n");
}

/** Compact JSON of a payload for a table cell, truncated. */
export function preview(value: unknown, max = 60): string {
  const text = value === undefined ? "-" : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, " ");
}

/**
 * Pretty JSON, dates as ISO strings. JSON escapes C0 controls itself; DEL and C1 controls are escaped too
 * (`\u009b` is a CSI to some terminals), which keeps the text valid JSON with the same value.
 */
export function toJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(
    /[\u007f-\u009f]/g,
    (c) => `\\u${(c.codePointAt(0) as number).toString(16).padStart(4, "0")}`,
  );
}
