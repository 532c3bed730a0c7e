// Deterministic release of native tensors: explicit dispose(), tidy() scopes
// that free everything created inside except what they return or keep(), and
// a FinalizationRegistry as a safety net for what escapes both.
import { native, type Handle } from './native.js';
import { ArgumentError } from './errors.js';

/** What the scope machinery needs of a tensor (the Tensor class implements it). */
export interface Owned {
  _h: Handle;
  _scope: Owned[] | null;
  dispose(): void;
}

const scopes: Owned[][] = [];

// Only a safety net: the finalizer runs when V8 collects a forgotten tensor,
// which may be never in a loop that does not yield to the event loop.
export const finalizer = new FinalizationRegistry<Handle>((h) => native.dispose(h));

export function track(t: Owned): void {
  finalizer.register(t, t._h, t);
  const scope = scopes.length ? scopes[scopes.length - 1] : null;
  if (scope) {
    t._scope = scope;
    scope.push(t);
  }
}

function collect(value: unknown, out: Set<Owned>, depth = 0): void {
  if (value === null || typeof value !== 'object' || depth > 4) return;
  if ('_h' in value && '_scope' in value) {
    out.add(value as Owned);
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) collect(v, out, depth + 1);
    return;
  }
  if (value instanceof Map) {
    for (const v of value.values()) collect(v, out, depth + 1);
    return;
  }
  // Plain records, with or without a prototype (tensors by name are kept in prototype-free objects).
  const proto = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) {
    for (const v of Object.values(value)) collect(v, out, depth + 1);
  }
}

/**
 * Runs `fn` and disposes every tensor created during it, except the tensors
 * it returns (directly, or inside arrays, Maps and plain objects) and those
 * marked with keep(). Returned tensors belong to the enclosing scope.
 */
export function tidy<T>(fn: () => T): T {
  const scope: Owned[] = [];
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    scopes.pop();
    for (const t of scope) if (t._scope === scope) t.dispose();
    throw e;
  }
  scopes.pop();
  if (result instanceof Promise) {
    for (const t of scope) if (t._scope === scope) t.dispose();
    throw new ArgumentError('tidy() takes a synchronous function: await outside it, and tidy each synchronous step');
  }
  const returned = new Set<Owned>();
  collect(result, returned);
  const parent = scopes.length ? scopes[scopes.length - 1] : null;
  for (const t of scope) {
    if (t._scope !== scope) continue;
    if (returned.has(t)) {
      t._scope = parent;
      if (parent) parent.push(t);
    } else {
      t.dispose();
    }
  }
  return result;
}

/** Takes a tensor out of every scope: it lives until disposed explicitly. */
export function keep<T extends Owned>(t: T): T {
  t._scope = null;
  return t;
}

/** Disposes tensors found in a value (tensor, array, Map or plain object). */
export function dispose(value: unknown): void {
  const found = new Set<Owned>();
  collect(value, found);
  for (const t of found) t.dispose();
}

/** How many native tensors are alive: tests assert it returns to its baseline. */
export function liveTensors(): number {
  return native.liveTensors();
}
