// Options are checked at the edge: every numeric option refuses a bad value
// with exit 2 naming the option, the accepted range and what it found; a wrong
// --target suggests the closest column; the --help examples run as printed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { NUMERIC_OPTIONS, parseNumber, checkNumericOptions, checkShares, describeRule } from '../../src/cli/numbers.js';
import { UsageError } from '../../src/cli/errors.js';
import { closest } from '../../src/data/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const cli = join(root, 'dist', 'src', 'cli', 'main.js');
const penguins = join(root, 'data', 'penguins.json');

function sixstep(args: string[], cwd = tmpdir()) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('parseNumber: plain decimal numbers in range pass; anything else is a UsageError naming option, range and value', () => {
  const epochs = parseNumber('--epochs', NUMERIC_OPTIONS['--epochs']);
  assert.equal(epochs('12'), 12);
  for (const bad of ['abc', '', ' ', '0', '1.5', '-3', 'NaN', 'Infinity', '0x10', '1e400']) {
    assert.throws(() => epochs(bad), (e: Error) => e instanceof UsageError && e.message === `--epochs expects an integer ≥ 1, found ${JSON.stringify(bad)}`, bad);
  }
  const lr = parseNumber('--lr', NUMERIC_OPTIONS['--lr']);
  assert.equal(lr('3e-3'), 0.003);
  assert.throws(() => lr('0'), /--lr expects a number > 0, found "0"/);
  const port = parseNumber('--port', NUMERIC_OPTIONS['--port']);
  assert.equal(port('0'), 0);
  assert.throws(() => port('65536'), /--port expects an integer from 0 to 65535, found "65536"/);
  const share = parseNumber('--test-share', NUMERIC_OPTIONS['--test-share']);
  assert.equal(share('0.2'), 0.2);
  assert.throws(() => share('1'), /> 0 and < 1/);
  const hidden = parseNumber('--hidden', NUMERIC_OPTIONS['--hidden']);
  assert.equal(hidden('32,16'), '32,16');
  assert.throws(() => hidden('32,x'), /--hidden expects a comma-separated list, each an integer ≥ 1, found "32,x"/);
  assert.equal(describeRule({ min: 2, max: 10 }), 'a number from 2 to 10');
  assert.throws(() => checkShares(0.6, 0.4), /below 1.*0\.6 \+ 0\.4 = 1/);
  assert.doesNotThrow(() => checkShares(0.5, 0.3));
  assert.doesNotThrow(() => checkShares(0.9, 0));
});

test('checkNumericOptions attaches the parsers to every command and subcommand', async () => {
  const program = new Command().exitOverride();
  program.command('a').option('--epochs <n>', 'e').action(() => {});
  program.command('b').command('c').option('--port <n>', 'p').option('--name <x>', 'not numeric').action(() => {});
  checkNumericOptions(program);
  await assert.rejects(program.parseAsync(['node', 'x', 'a', '--epochs', 'abc']), UsageError);
  await assert.rejects(program.parseAsync(['node', 'x', 'b', 'c', '--port', '-1']), /--port expects/);
  await assert.doesNotReject(program.parseAsync(['node', 'x', 'b', 'c', '--port', '80', '--name', 'abc']));
});

test('bad numeric options exit 2 before any data is read, on every command that has them', (t) => {
  const scratch = mkdtempSync(join(tmpdir(), 'sixstep-options-'));
  t.after(() => rmSync(scratch, { recursive: true, force: true }));
  const never = join(scratch, 'never-created');
  const data = ['--data', penguins, '--target', 'Species', '--project', never];
  const cases: Array<[string[], RegExp]> = [
    [['auto', ...data, '--budget', 'abc'], /--budget expects a number > 0, found "abc"/],
    [['fit', ...data, '--epochs', 'abc'], /--epochs expects an integer ≥ 1, found "abc"/],
    [['plan', ...data, '--seed', 'abc'], /--seed expects an integer from 0 to 4294967295, found "abc"/],
    [['fit', ...data, '--batch-size', '0'], /--batch-size expects an integer ≥ 1, found "0"/],
    [['fit', ...data, '--lr', '-1'], /--lr expects a number > 0, found "-1"/],
    [['serve', '--model', 'nowhere', '--port', '99999'], /--port expects an integer from 0 to 65535, found "99999"/],
    [['runs', 'list', '--limit', '0'], /--limit expects an integer ≥ 1, found "0"/],
    [['plan', ...data, '--validation-share', '0.6', '--test-share', '0.5'], /--validation-share plus --test-share must be below 1/],
    [['plan', ...data, '--no-such-option'], /unknown option/],
  ];
  for (const [args, message] of cases) {
    const r = sixstep(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
    assert.doesNotMatch(r.stderr, /at .*\.js:\d+/, 'no stack trace');
  }
  assert.ok(!existsSync(never), 'refused before the project was opened');
});

test('a wrong --target suggests the closest column and exits 2, not "fix the data"', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sixstep-target-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const r = sixstep(['plan', '--data', penguins, '--target', 'species', '--project', 'p'], dir);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /did you mean "Species"\?/);
  assert.doesNotMatch(r.stderr, /Fix the data/);
  const typo = sixstep(['plan', '--data', penguins, '--target', 'Flipper Lenght (mm)', '--project', 'p'], dir);
  assert.equal(typo.code, 2);
  assert.match(typo.stderr, /did you mean "Flipper Length \(mm\)"\?/);
  const none = sixstep(['plan', '--data', penguins, '--project', 'p'], dir);
  assert.equal(none.code, 2, none.stderr);
  assert.match(none.stderr, /--target <column>/);
  assert.equal(closest('zzzzzz', ['Species', 'Island']), null, 'nothing close: no suggestion');
  assert.equal(closest('ISLAND', ['Species', 'Island']), 'Island');
});

test('every --help example names data that exists and a --target column it has; the plan examples run as printed', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sixstep-help-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  symlinkSync(join(root, 'data'), join(dir, 'data'));
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  let checked = 0;
  for (const command of ['plan', 'lr-find', 'fit', 'tune', 'auto', 'test']) {
    const help = sixstep([command, '--help'], dir);
    assert.equal(help.code, 0);
    for (const line of help.stdout.split('\n').filter((l) => /^\s+sixstep /.test(l) && l.includes('--data '))) {
      const data = /--data (\S+)/.exec(line)![1];
      if (data.startsWith('/usr/share/datasets')) continue; // Fashion-MNIST: present only where installed
      assert.ok(existsSync(join(dir, data)), `${command} example: ${data} exists`);
      const target = /--target (\S+)/.exec(line)?.[1];
      if (target) {
        const text = readFileSync(join(dir, data), 'utf8');
        const columns = data.endsWith('.csv') ? text.slice(0, text.indexOf('\n')).split(',') : Object.keys((JSON.parse(text) as Record<string, unknown>[])[0]);
        assert.ok(columns.includes(target), `${command} example: ${data} has a column ${target}`);
      }
      checked++;
      if (command === 'plan') {
        const args = line.trim().split(/\s+/).slice(1);
        const r = sixstep(args, dir);
        assert.equal(r.code, 0, `${line.trim()}: ${r.stderr}`);
      }
    }
  }
  assert.ok(checked >= 8, `${checked} examples checked`);
});

test('every numeric-looking option defined anywhere in the CLI is in the table of checked options', () => {
  const numeric = new Set(['n', 'i', 'k', 'rate', 'lr', 'minutes', 'm', 's', 'bytes', 'share', 'norm', 'wd', 'epochs', 'widths', 'size', 'count']);
  const dir = join(root, 'src', 'cli');
  const files = [...readdirSync(dir).map((f) => join(dir, f)), ...readdirSync(join(dir, 'commands')).map((f) => join(dir, 'commands', f))].filter((f) => f.endsWith('.ts'));
  let seen = 0;
  for (const file of files) {
    for (const [, flag, placeholder] of readFileSync(file, 'utf8').matchAll(/option\('(--[a-z-]+) <([a-z:]+)>'/g)) {
      if (!numeric.has(placeholder)) continue;
      seen++;
      assert.ok(NUMERIC_OPTIONS[flag], `${file}: ${flag} <${placeholder}> is checked`);
    }
  }
  assert.ok(seen >= 25, `${seen} numeric options seen`);
});
