// Classes in messages by their names (the target's values), not their
// indices: "majority class Gentoo", "training class counts Adelie 101,
// Chinstrap 48, Gentoo 89". Without names (a caller that has none), the index.

/** The class's name, or its index when there are no names. */
export function className(index: number, names?: readonly string[] | null): string {
  return names?.[index] ?? String(index);
}

/** Most classes one message lists before it says how many more there are. */
export const LISTED_CLASSES = 20;

/** One value per class, named: "Adelie 101, Chinstrap 48, Gentoo 89"; without names, "101/48/89". */
export function classValues(values: readonly number[], names: readonly string[] | null | undefined, format: (v: number) => string): string {
  if (!names || names.length !== values.length) return values.map(format).join('/');
  const shown = values.slice(0, LISTED_CLASSES).map((v, k) => `${names[k]} ${format(v)}`);
  const more = values.length - shown.length;
  return `${shown.join(', ')}${more > 0 ? `, and ${more} more class${more === 1 ? '' : 'es'}` : ''}`;
}
