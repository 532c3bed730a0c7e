// Datetimes become numeric parts a model can use; which parts is decided from
// the training rows (time-of-day parts only when some training value has one).
export type DatePart = 'year' | 'month' | 'day' | 'weekday' | 'hour' | 'minute';

/** The parts to expand a datetime column into, given its training values (ms since epoch, UTC). */
export function chooseDateParts(times: number[]): DatePart[] {
  const parts: DatePart[] = ['year', 'month', 'day', 'weekday'];
  let hasTime = false;
  let hasMinute = false;
  for (const t of times) {
    const d = new Date(t);
    if (d.getUTCHours() !== 0) hasTime = true;
    if (d.getUTCMinutes() !== 0) hasMinute = hasTime = true;
    if (hasMinute) break;
  }
  if (hasTime) parts.push('hour');
  if (hasMinute) parts.push('minute');
  return parts;
}

export function datePart(t: number, part: DatePart): number {
  const d = new Date(t);
  switch (part) {
    case 'year': return d.getUTCFullYear();
    case 'month': return d.getUTCMonth() + 1;
    case 'day': return d.getUTCDate();
    case 'weekday': return d.getUTCDay();
    case 'hour': return d.getUTCHours();
    case 'minute': return d.getUTCMinutes();
  }
}

/** Writes all `parts` of time t into out[at …], reading the date once. */
export function writeDateParts(t: number, parts: DatePart[], out: Float32Array, at: number): void {
  const d = new Date(t);
  for (let q = 0; q < parts.length; q++) {
    const p = parts[q];
    out[at + q] = p === 'year' ? d.getUTCFullYear() : p === 'month' ? d.getUTCMonth() + 1 : p === 'day' ? d.getUTCDate() : p === 'weekday' ? d.getUTCDay() : p === 'hour' ? d.getUTCHours() : d.getUTCMinutes();
  }
}
