// Operator ids: each aten operator is resolved once, by name and overload,
// and called afterwards by its integer id.
import { native } from './native.js';

const cache = new Map<string, number>();

/** The id of an aten operator, e.g. opId('aten::add', 'Tensor'). */
export function opId(name: string, overload = ''): number {
  const key = `${name}.${overload}`;
  let id = cache.get(key);
  if (id === undefined) {
    id = native.resolve(name, overload);
    cache.set(key, id);
  }
  return id;
}

/** The schema of an operator, as libtorch prints it. */
export function opSchema(name: string, overload = ''): string {
  return native.schema(opId(name, overload));
}

/** Every operator this libtorch registers ("aten::add.Tensor", …). */
export function listOps(): string[] {
  return native.listOps();
}
