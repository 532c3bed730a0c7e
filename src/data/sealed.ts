// The test split as a sealed object: its rows can only be read through
// unseal(reason), and every read is recorded, so a run can show (and later
// code can enforce) that model selection never looked at the test set.
import { inspect } from 'node:util';
import { DataError } from './errors.js';

export interface TestAccess {
  reason: string;
  /** ISO time of the access. */
  at: string;
}

/** Called on every unseal; a listener may throw to forbid the access (e.g. during tuning). */
export type UnsealListener = (access: TestAccess, size: number) => void;

const listeners = new Set<UnsealListener>();

/** Registers a listener for every unseal() in the process; returns a function that removes it. */
export function onUnseal(listener: UnsealListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export class SealedTest<T> {
  readonly #data: T;
  readonly #log: TestAccess[] = [];
  /** Number of rows (or images): known without unsealing, it reveals nothing about them. */
  readonly size: number;
  /** Where the test rows came from: split off the data, or supplied by the user. */
  readonly source: 'split' | 'user';

  constructor(data: T, size: number, source: 'split' | 'user' = 'split') {
    this.#data = data;
    this.size = size;
    this.source = source;
  }

  /** The test rows. `reason` is required and recorded, with the time, in accessLog. */
  unseal(reason: string): T {
    if (typeof reason !== 'string' || reason.trim() === '') throw new DataError('<test split>', 0, 'a reason for reading the test split', 'none');
    const access: TestAccess = { reason: reason.trim(), at: new Date().toISOString() };
    for (const l of listeners) l(access, this.size);
    this.#log.push(access);
    return this.#data;
  }

  /** Every unseal so far, oldest first. */
  get accessLog(): TestAccess[] {
    return this.#log.map((a) => ({ ...a }));
  }

  get unsealed(): boolean {
    return this.#log.length > 0;
  }

  /** Serializes the seal, never the rows. */
  toJSON(): { sealed: true; size: number; source: string; accesses: TestAccess[] } {
    return { sealed: true, size: this.size, source: this.source, accesses: this.accessLog };
  }

  [inspect.custom](): string {
    return `SealedTest { size: ${this.size}, source: ${this.source}, accesses: ${this.#log.length} }`;
  }
}
