// Numbers, times and durations as people read them. Shared by the terminal
// and the browser (the dashboard serves this module as is), so it imports nothing.

/** Integers as they are, other numbers to 4 significant digits, missing values as a dash. */
export function fmt(v: unknown): string {
  if (v === null || v === undefined) return '–';
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || Number.isInteger(v)) return String(v);
    const a = Math.abs(v);
    return a < 1e-3 || a >= 1e6 ? v.toExponential(3) : String(Number(v.toPrecision(4)));
  }
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** A timestamp (ms since epoch) as `yyyy-mm-dd hh:mm:ss` UTC, sortable and unambiguous. */
export function when(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? '–' : `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

/** Elapsed time: `0.8 s`, `42 s`, `3 min 05 s`, `2 h 07 min`. */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  const s = ms / 1000;
  if (s < 10) return `${s.toFixed(1)} s`;
  if (s < 60) return `${Math.floor(s)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(Math.floor(s - m * 60)).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}
