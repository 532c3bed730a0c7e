// Every numeric command-line option, parsed and checked once at the edge:
// one table of accepted ranges by option name, attached to every command as
// commander argument parsers. `--epochs abc` or `--port 99999` stops with
// exit 2, naming the option, what it accepts and what it got, before any
// data is read; no command sees NaN.
import type { Command, Option } from 'commander';
import { UsageError } from './errors.js';

/** What a numeric option accepts. Bounds are inclusive unless marked open. */
export interface NumberRule {
  integer?: boolean;
  min?: number;
  /** min itself is refused (e.g. a rate > 0). */
  minOpen?: boolean;
  max?: number;
  maxOpen?: boolean;
  /** A comma-separated list of such numbers (kept as the text, checked here). */
  list?: boolean;
}

const positive: NumberRule = { min: 0, minOpen: true };
const share: NumberRule = { min: 0, minOpen: true, max: 1, maxOpen: true };
const count = (min: number): NumberRule => ({ integer: true, min });

/** Accepted ranges by option name, shared by every command that has the option. */
export const NUMERIC_OPTIONS: Readonly<Record<string, NumberRule>> = {
  '--epochs': count(1),
  '--seed': { integer: true, min: 0, max: 2 ** 32 - 1 },
  '--split-seed': { integer: true, min: 0, max: 2 ** 32 - 1 },
  '--budget': positive,
  '--batch-size': count(1),
  '--lr': positive,
  '--adam-lr': positive,
  '--start-lr': positive,
  '--end-lr': positive,
  '--weight-decay': { min: 0 },
  '--clip': positive,
  '--alpha': { min: 2, max: 10 },
  '--hidden': { integer: true, min: 1, list: true },
  '--iterations': count(2),
  '--validation-share': share,
  '--test-share': share,
  '--trials': count(1),
  '--workers': count(1),
  '--minutes': positive,
  '--warmup': count(0),
  '--grace': positive,
  '--limit': count(1),
  '--port': { integer: true, min: 0, max: 65535 },
  '--body-limit': count(1),
  '--max-rows': count(1),
  '--max-images': count(1),
  '--threads': count(1),
  '--top': count(1),
  '--freeze-epochs': count(0),
  '--repeats': count(1),
  '--folds': count(2),
  '--image-size': { integer: true, min: 8, max: 1024 },
  '--batch-rows': count(0),
  '--nproc': count(1),
  '--nnodes': count(1),
  '--node-rank': count(0),
  '--dist-timeout': count(1),
};

/** The accepted range in words, e.g. "an integer from 0 to 65535". */
export function describeRule(r: NumberRule): string {
  const what = r.integer ? 'an integer' : 'a number';
  const lo = r.min === undefined ? null : `${r.minOpen ? '>' : '≥'} ${r.min}`;
  const hi = r.max === undefined ? null : `${r.maxOpen ? '<' : '≤'} ${r.max}`;
  const one = r.min !== undefined && r.max !== undefined && !r.minOpen && !r.maxOpen ? `${what} from ${r.min} to ${r.max}` : [what, [lo, hi].filter(Boolean).join(' and ')].filter(Boolean).join(' ');
  return r.list ? `a comma-separated list, each ${one}` : one;
}

function check(option: string, rule: NumberRule, text: string, whole: string): number {
  const t = text.trim();
  // Number('') is 0 and Number('0x10') is 16: only plain decimal notation counts.
  const n = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t) ? Number(t) : NaN;
  const ok =
    Number.isFinite(n) &&
    (!rule.integer || Number.isInteger(n)) &&
    (rule.min === undefined || (rule.minOpen ? n > rule.min : n >= rule.min)) &&
    (rule.max === undefined || (rule.maxOpen ? n < rule.max : n <= rule.max));
  if (!ok) throw new UsageError(`${option} expects ${describeRule(rule)}, found ${JSON.stringify(whole)}`);
  return n;
}

/** The parser for one option: a number in range, or a UsageError (exit 2). */
export function parseNumber(option: string, rule: NumberRule): (value: string) => number | string {
  return (value: string) => {
    if (!rule.list) return check(option, rule, value, value);
    const parts = value.split(',');
    for (const p of parts) check(option, rule, p, value);
    return value;
  };
}

/** Cross-option check of the split shares (each already in (0, 1)). */
export function checkShares(validation: number | undefined, test: number | undefined): void {
  const v = validation ?? 0.15;
  const t = test ?? 0.15; // 0 when a test set is supplied
  if (v + t >= 1) throw new UsageError(`--validation-share plus --test-share must be below 1 (something must be left to train on), found ${v} + ${t} = ${Math.round((v + t) * 1e6) / 1e6}`);
}

/** Attaches the numeric parsers to every option of every command (recursively) that the table names. */
export function checkNumericOptions(program: Command): Command {
  const visit = (c: Command) => {
    for (const o of c.options as readonly Option[]) {
      const rule = o.long ? NUMERIC_OPTIONS[o.long] : undefined;
      if (rule) o.argParser(parseNumber(o.long!, rule));
    }
    for (const sub of c.commands) visit(sub);
  };
  visit(program);
  return program;
}
