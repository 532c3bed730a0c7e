// Thousands of malformed CSV and JSON inputs from a seeded generator: every
// one must either parse or be rejected with a DataError naming the file and a
// line, in both strict and lenient mode, without hanging.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataError, Rng, parseCsv, parseJson, type Table } from '../../src/data/index.js';

const CSV_SEEDS = ['a,b,c\n1,2,3\n4,5,6\n', 'name,note\n"x, y","multi\nline"\n"q ""quoted""",z\n', 'a;b\n1;2\n', 'x\ty\n1\t2\n'];
const JSON_SEEDS = ['[{"a":1,"b":"x"},{"a":2,"b":null}]', '[\n {"a": [1,2], "b": {"c": "]"}},\n {"a": "\\"q\\""}\n]', '{"a":1}\n{"a":2}\n', '[]'];
const NOISE = ['"', ',', ';', '\n', '\r', '\t', '{', '}', '[', ']', ':', '\\', '""', '\ufeff', 'x', '1', ' ', '\u0000', 'é', '\ud83d'];

function mutate(rng: Rng, seed: string): string {
  let s = seed;
  const k = 1 + rng.int(4);
  for (let m = 0; m < k; m++) {
    const at = rng.int(s.length + 1);
    switch (rng.int(6)) {
      case 0: s = s.slice(0, at) + NOISE[rng.int(NOISE.length)] + s.slice(at); break; // insert
      case 1: s = s.slice(0, at) + s.slice(at + 1 + rng.int(3)); break; // delete
      case 2: s = s.slice(0, at); break; // truncate
      case 3: s = s.slice(0, at) + s.slice(rng.int(s.length + 1)); break; // splice
      case 4: s = s + s.slice(at); break; // duplicate a tail
      default: s = Array.from({ length: rng.int(12) }, () => NOISE[rng.int(NOISE.length)]).join('') + s; // garbage prefix
    }
  }
  return s;
}

async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`hang: ${what}`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function checkTable(t: Table, input: string): void {
  assert.equal(t.rows.length, t.lines.length);
  assert.equal(t.report.rows, t.rows.length, 'the report counts every kept row');
  let prev = 1;
  for (const l of t.lines) {
    // several JSON rows may share a line; CSV rows never do, but both only move forward
    assert.ok(Number.isInteger(l) && l >= prev, `lines ascend from 1 (${JSON.stringify(input)})`);
    prev = l;
  }
  for (const s of t.report.skipped) assert.ok(s.line >= 1 && s.reason.length > 0, 'skipped rows name their line and reason');
}

async function fuzz(kind: 'csv' | 'json', cases: number, seed: number): Promise<{ ok: number; rejected: number }> {
  const rng = new Rng(seed);
  const seeds = kind === 'csv' ? CSV_SEEDS : JSON_SEEDS;
  let ok = 0;
  let rejected = 0;
  for (let i = 0; i < cases; i++) {
    const input = mutate(rng, seeds[rng.int(seeds.length)]);
    const file = `fuzz-${kind}-${i}.${kind}`;
    for (const lenient of [false, true]) {
      const run = kind === 'csv' ? parseCsv(input, { file, lenient }) : parseJson(input, { file, lenient });
      try {
        checkTable(await within(run, 2000, JSON.stringify(input)), input);
        ok++;
      } catch (e) {
        if (e instanceof assert.AssertionError) throw e;
        assert.ok(e instanceof DataError, `${kind} ${JSON.stringify(input)} threw ${(e as Error).name}: ${(e as Error).message}`);
        assert.equal(e.file, file);
        assert.ok(e.line >= 1, `a line is named: ${e.message}`);
        assert.ok(e.message.startsWith(`${file}:${e.line}: expected `), e.message);
        rejected++;
      }
    }
  }
  return { ok, rejected };
}

test('fuzz: 2500 malformed CSV inputs, strict and lenient: parsed or DataError with file and line', async () => {
  const { ok, rejected } = await fuzz('csv', 2500, 1234);
  assert.ok(rejected > 100 && ok > 100, `both outcomes occur (ok ${ok}, rejected ${rejected})`);
});

test('fuzz: 2500 malformed JSON/NDJSON inputs, strict and lenient: parsed or DataError with file and line', async () => {
  const { ok, rejected } = await fuzz('json', 2500, 5678);
  assert.ok(rejected > 100 && ok > 100, `both outcomes occur (ok ${ok}, rejected ${rejected})`);
});
