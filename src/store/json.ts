// JSON columns. Values are plain JSON; NaN and ±Infinity, which JSON cannot
// spell, become null (as JSON.stringify does), so what is read back is exactly
// what was stored.
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export function toJson(value: unknown): string {
  const s = JSON.stringify(value ?? null);
  if (s === undefined) throw new TypeError('sixstep store: value is not JSON-serializable');
  return s;
}

export function fromJson<T = Json>(text: string | null): T {
  return (text === null ? null : JSON.parse(text)) as T;
}

/** A number for a REAL column: SQLite stores NaN as NULL anyway; this makes it explicit. */
export function real(x: number | null | undefined): number | null {
  return x === undefined || x === null || Number.isNaN(x) ? null : x;
}

/** Throws unless `x` is an integer, naming the field: better than STRICT's message at flush time. */
export function checkInt(x: number, what: string): void {
  if (!Number.isSafeInteger(x)) throw new TypeError(`sixstep store: ${what} must be an integer, got ${x}`);
}
