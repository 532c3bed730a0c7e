// Names from the data (classes, columns) on a chart's nominal axis. Vega keeps
// a nominal field's values as keys of plain objects (its sort lookups, its
// stack groups), so a class called "constructor" or "toString" breaks the
// chart ("Operator not defined", "g.push is not a function"). The chart's
// data carries each name's index instead, and the axis shows the name.

/**
 * A name as a Vega expression: string literals of at most two characters,
 * joined. Vega takes a whole literal such as 'constructor' for a signal's
 * name (an Object.prototype member), and no such member is two characters long.
 */
function literal(name: string): string {
  return name.length ? name.match(/[\s\S]{1,2}/gu)!.map((c) => JSON.stringify(c)).join('+') : '""';
}

/** The encoding of a nominal axis whose data holds indices into `names`: in their order, labelled with them. */
export function namedAxis(names: readonly string[], title: string | null = null): { type: 'ordinal'; sort: 'ascending'; title: string | null; axis: { labelExpr: string } } {
  return { type: 'ordinal', sort: 'ascending', title, axis: { labelExpr: `[${names.map(literal).join(',')}][datum.value]` } };
}
