// sixstep runs: the project's experiment history from the terminal — list,
// show one run, compare runs side by side, export a run for other tools.
import type { Command } from 'commander';
import { summarizeRankStats, type Store } from '../../store/index.js';
import { comparisonRows, duration, findRun, fmt, openExistingStore, runRow, when, type RunRow } from '../../ui/index.js';
import { makeOut, type Out } from '../output.js';
import { writeAtomic } from '../../files/index.js';

interface Common {
  project: string;
  json?: boolean;
}

const common = (c: Command) => c.option('--project <dir>', 'project folder', 'sixstep-project').option('--json', 'print one JSON object');

/** Columns padded to their widest cell, two spaces apart (no trailing blanks); header null for none. */
export function alignedTable(header: string[] | null, rows: string[][]): string {
  const all = header ? [header, ...rows] : rows;
  const widths = (all[0] ?? []).map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd();
  return all.map(line).join('\n');
}

/** A cell cut to `max` characters, so one long value (an array in a config) cannot stretch a whole table. */
const clip = (s: string, max = 48) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

// `sixstep runs … | head` closes the pipe early: that is the reader's choice, not an error.
let pipeWatched = false;
function exitQuietlyOnClosedPipe(): void {
  if (pipeWatched) return;
  pipeWatched = true;
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
}

function withStore<T>(o: Common, fn: (store: Store, out: Out) => T): T {
  exitQuietlyOnClosedPipe();
  const out = makeOut(Boolean(o.json));
  const { store } = openExistingStore(o.project);
  try {
    return fn(store, out);
  } finally {
    store.close();
  }
}

function listRows(rows: RunRow[]): string {
  const metrics = [...new Set(rows.flatMap((r) => Object.keys(r.metrics)))].sort();
  return alignedTable(
    ['ID', 'KIND', 'STATUS', 'STARTED', 'TIME', 'EPOCHS', 'TRAIN', 'VALID', 'BEST VALID', ...metrics.map((m) => m.toUpperCase()), 'NOTE'],
    rows.map((r) => [
      r.id,
      r.kind,
      r.status,
      when(r.startedAt),
      r.endedAt === null ? 'running' : duration(r.endedAt - r.startedAt),
      String(r.epochs),
      fmt(r.trainLoss),
      fmt(r.validLoss),
      r.best ? `${fmt(r.best.validLoss)} @${r.best.epoch}` : '–',
      ...metrics.map((m) => fmt(r.metrics[m])),
      r.note,
    ]),
  );
}

export function runsCommand(program: Command): void {
  const runs = program
    .command('runs')
    .description('the experiment history of a project: list, show, compare and export runs')
    .addHelpText('after', `
Examples:
  sixstep runs list --project sixstep-project
  sixstep runs show fit-20250101-120000-a1b2c3
  sixstep runs compare a1b2c3 d4e5f6          (any unique start or end of an id will do)
  sixstep runs export a1b2c3 --format csv --series epochs > epochs.csv`);

  common(runs.command('list'))
    .description('the runs, newest first, with their final and best losses')
    .option('--kind <kind>', 'only runs of this kind: fit, auto, lr-find, trial, …')
    .option('--status <status>', 'only runs with this status: running, finished, failed, interrupted')
    .option('--limit <n>', 'at most this many')
    .addHelpText('after', `
Examples:
  sixstep runs list
  sixstep runs list --kind fit --limit 5 --json`)
    .action((o: Common & { kind?: string; status?: string; limit?: string }) =>
      withStore(o, (store, out) => {
        if (o.limit !== undefined && !(Number.isInteger(Number(o.limit)) && Number(o.limit) > 0)) throw new Error(`--limit must be a positive integer, not ${o.limit}`);
        const ids = store.listRuns({ kind: o.kind, status: o.status as any, limit: o.limit ? Number(o.limit) : undefined }).map((r) => r.id);
        const rows = store.compareRuns(ids).map(runRow);
        out.say(rows.length ? listRows(rows) : `no runs in ${store.project.name}${o.kind || o.status ? ' matching the filter' : ''}`);
        out.result({ project: store.project.name, runs: rows });
      }),
    );

  common(runs.command('show'))
    .argument('<id>', 'run id (or a unique start or end of one)')
    .description('one run: configuration, epochs, decisions, artifacts and summary')
    .addHelpText('after', `
Examples:
  sixstep runs show auto-20250101-120000-a1b2c3
  sixstep runs show a1b2c3 --json`)
    .action((ref: string, o: Common) =>
      withStore(o, (store, out) => {
        const run = findRun(store, ref);
        const [c] = store.compareRuns([run.id]);
        const row = runRow(c);
        const decisions = store.decisionsOf(run.id);
        const artifacts = store.artifactsOf(run.id);
        out.say(out.color.bold(`${run.kind} run ${run.id}`));
        out.say(alignedTable(null, [
          ['status', run.status],
          ['started', when(run.startedAt)],
          ['duration', run.endedAt === null ? 'running' : duration(run.endedAt - run.startedAt)],
          ...(run.parentRunId ? [['part of', run.parentRunId]] : []),
          ['steps', String(c.steps)],
          ['epochs', String(c.epochs.length)],
          ['final train loss', fmt(row.trainLoss)],
          ['final valid loss', fmt(row.validLoss)],
          ['best valid loss', row.best ? `${fmt(row.best.validLoss)} (epoch ${row.best.epoch})` : '–'],
          ...Object.entries(row.metrics).map(([k, v]) => [`final ${k}`, fmt(v)]),
          ...(row.note ? [['note', row.note]] : []),
        ]));
        out.say(`\n${out.color.bold('configuration')}\n${JSON.stringify(run.config, null, 2)}`);
        if (c.epochs.length) {
          const names = [...new Set(c.epochs.flatMap((e) => Object.keys(e.metrics)))].sort();
          out.say(`\n${out.color.bold('epochs')}\n${alignedTable(['EPOCH', 'TRAIN', 'VALID', ...names.map((n) => n.toUpperCase()), 'SECONDS'], c.epochs.map((e) => [String(e.epoch + 1), fmt(e.trainLoss), fmt(e.validLoss), ...names.map((n) => fmt(e.metrics[n])), fmt(e.seconds)]))}`);
        }
        const ranks = store.rankStats(run.id);
        const perRank = summarizeRankStats(ranks);
        if (perRank.length) {
          out.say(
            `\n${out.color.bold(`data-parallel ranks (${perRank.length})`)}\n` +
              alignedTable(['RANK', 'SAMPLES', 'SECONDS', 'SAMPLES/S', 'COMM S', 'COMM %'], perRank.map((r) => [String(r.rank), String(r.samples), r.seconds.toFixed(2), r.samplesPerSecond.toFixed(0), r.commSeconds.toFixed(2), (100 * r.commShare).toFixed(1)])) +
              `\n${out.color.dim('training phase only; COMM = time inside gradient allreduces, including waiting for slower ranks')}`,
          );
        }
        if (decisions.length) out.say(`\n${out.color.bold('decisions')}\n${decisions.map((d) => `${String(d.seq).padStart(3)}. step ${d.step}: ${d.action} — ${d.reason}`).join('\n')}`);
        if (artifacts.length) out.say(`\n${out.color.bold('artifacts')}\n${alignedTable(['KIND', 'PATH', 'BYTES'], artifacts.map((a) => [a.kind, a.path, String(a.bytes)]))}`);
        out.say(`\n${out.color.bold('summary')}\n${JSON.stringify(run.summary, null, 2)}`);
        out.result({ run, row, steps: c.steps, epochs: c.epochs, best: c.best, decisions, artifacts, ranks: perRank, rankEpochs: ranks });
      }),
    );

  common(runs.command('compare'))
    .argument('<ids...>', 'two or more run ids (or unique starts or ends of them)')
    .description('runs side by side: configuration, summary, epochs and final metrics; * marks rows that differ')
    .option('--differences', 'only the rows that differ')
    .addHelpText('after', `
Examples:
  sixstep runs compare fit-20250101-120000-a1b2c3 fit-20250102-090000-d4e5f6
  sixstep runs compare a1b2c3 d4e5f6 0a9b8c --differences
  sixstep runs compare a1b2c3 d4e5f6 --json`)
    .action((refs: string[], o: Common & { differences?: boolean }) =>
      withStore(o, (store, out) => {
        if (refs.length < 2) throw new Error('runs compare needs two or more run ids');
        const ids = refs.map((r) => findRun(store, r).id);
        const cs = store.compareRuns(ids);
        const rows = comparisonRows(cs).filter((r) => !o.differences || r.differs);
        const body = alignedTable(['', ...ids], rows.map((r) => [`${r.differs ? '*' : ' '} ${r.label}`, ...r.values.map((v) => clip(v))]));
        out.say(body.split('\n').map((l, i) => (i > 0 && rows[i - 1].differs ? out.color.yellow(l) : l)).join('\n'));
        out.say(out.color.dim('* differs between the runs'));
        out.result({ runs: cs.map(runRow), rows });
      }),
    );

  common(runs.command('export'))
    .argument('<id>', 'run id (or a unique start or end of one)')
    .description('a run as CSV (one series: steps or epochs) or JSON Lines (everything), on stdout or to a file')
    .option('--format <format>', 'csv or jsonl', 'csv')
    .option('--series <series>', 'csv rows: steps or epochs', 'steps')
    .option('--out <file>', 'write here instead of stdout')
    .addHelpText('after', `
Examples:
  sixstep runs export a1b2c3 > steps.csv
  sixstep runs export a1b2c3 --format csv --series epochs --out epochs.csv
  sixstep runs export a1b2c3 --format jsonl | jq 'select(.type == "epoch")'`)
    .action((ref: string, o: { project: string; format: string; series: string; out?: string }) =>
      withStore({ project: o.project }, (store) => {
        if (o.format !== 'csv' && o.format !== 'jsonl') throw new Error(`--format must be csv or jsonl, not ${o.format}`);
        if (o.series !== 'steps' && o.series !== 'epochs') throw new Error(`--series must be steps or epochs, not ${o.series}`);
        const text = store.exportRun(findRun(store, ref).id, o.format, { series: o.series });
        if (o.out) {
          writeAtomic(o.out, text);
          process.stderr.write(`wrote ${o.out}\n`);
        } else process.stdout.write(text);
      }),
    );
}
