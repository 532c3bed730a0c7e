// The mixed-table row of the results table: `sixstep auto` on a table of
// numbers, a category and text columns, beside scikit-learn's bag-of-words +
// numeric logistic regression (bench/mixed_table_reference.py) on the same
// split — the split manifest auto saved, applied to the same file.
//   /usr/bin/python3 bench/debian_table.py /tmp/debian_mixed.csv
//   node dist/bench/mixed_table.js /tmp/debian_mixed.csv section /tmp/debian-project 3
// Prints one JSON line: sixstep's and the reference's validation and test figures.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readTable } from '../src/data/read.js';
import { inferSchema } from '../src/data/schema.js';
import { splitTable } from '../src/data/split.js';

const [data, target, projectArg, budgetArg] = process.argv.slice(2);
if (!data || !target) {
  process.stderr.write('usage: node dist/bench/mixed_table.js <table.csv> <target> [project dir] [budget minutes, default 3]\n');
  process.exit(2);
}
const project = resolve(projectArg ?? mkdtempSync(join(tmpdir(), 'sixstep-mixed-bench-')));
const budget = budgetArg ?? '3';
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const t0 = Date.now();
const auto = spawnSync(process.execPath, [join(root, 'dist', 'src', 'cli', 'main.js'), 'auto', '--data', data, '--target', target, '--project', project, '--budget', budget, '--json'], { encoding: 'utf8', maxBuffer: 1 << 28 });
if (auto.status !== 0 && auto.status !== 5) throw new Error(`sixstep auto failed (${auto.status}): ${auto.stderr.slice(-2000)}`);
const s = JSON.parse(auto.stdout);
const seconds = (Date.now() - t0) / 1000;

// The same rows in each split: the manifest auto saved, on the same file and schema.
const table = await readTable(data);
const schema = inferSchema(table, { target });
const split = await splitTable(table, { schema, manifest: join(project, `split-${basename(data)}.json`), reuseSavedSeed: true });
const test = split.test.unseal('bench: scikit-learn on the test rows sixstep was evaluated on');
const features = schema.columns.filter((c) => c.role === 'feature');
const spec = {
  target,
  numeric: features.filter((c) => c.kind === 'numeric' || c.kind === 'boolean').map((c) => c.name),
  categorical: features.filter((c) => c.kind === 'categorical').map((c) => c.name),
  text: features.filter((c) => c.kind === 'text').map((c) => c.name),
  train: split.train.rows,
  validation: split.validation.rows,
  test: test.rows,
};
const file = join(mkdtempSync(join(tmpdir(), 'sixstep-mixed-split-')), 'split.json');
writeFileSync(file, JSON.stringify(spec));
const ref = spawnSync('/usr/bin/python3', [join(root, 'bench', 'mixed_table_reference.py'), file], { encoding: 'utf8' });
if (ref.status !== 0) throw new Error(`the scikit-learn reference failed: ${ref.stderr}`);
const reference = JSON.parse(ref.stdout);

console.log(
  JSON.stringify({
    name: 'mixed-table',
    data,
    rows: { train: split.train.rows.length, validation: split.validation.rows.length, test: test.rows.length },
    columns: { numeric: spec.numeric, categorical: spec.categorical, text: spec.text },
    sixstep: { budgetMinutes: Number(budget), seconds, status: s.status, chosen: s.chosenConfiguration, validation: s.metrics.validation && { loss: s.metrics.validation.loss, accuracy: s.metrics.validation.accuracy }, test: s.metrics.test && { loss: s.metrics.test.loss, accuracy: s.metrics.test.accuracy }, encoders: s.model_spec?.options?.texts?.map((t: { column: string; encoder: string }) => `${t.column}: ${t.encoder}`) ?? [] },
    reference,
  }),
);
