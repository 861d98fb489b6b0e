/** Search filters of the dashboard's paged reads. */

/** `$n` is a search text or NULL: a case-insensitive substring test of `column`. */
export function matches(column: string, n: number): string {
  return `($${n}::text IS NULL OR pg_catalog.strpos(pg_catalog.lower(${column}::text), pg_catalog.lower($${n}::text)) > 0)`;
}

export function searchOf(search: string | undefined): string | null {
  return search === undefined || search === "" ? null : search;
}
