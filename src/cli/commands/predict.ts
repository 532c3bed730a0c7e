// sixstep predict: step 6 in batch — predictions for every row of a file, with
// the training preprocessing and the training rules for bad input (a bad
// value stops with its file and line; --lenient skips the row and reports it).
import { extname } from 'node:path';
import type { Command } from 'commander';
import { readTable } from '../../data/index.js';
import { Predictor, type Prediction } from '../../serve/index.js';
import { makeOut } from '../output.js';
import { isImageModel } from '../../serve/index.js';
import { predictImages } from './predict_images.js';
import { addDeviceOption, chooseDevice } from '../device.js';
import { writeAtomic } from '../../files/index.js';

interface PredictOptions {
  model: string;
  data: string;
  out?: string;
  lenient?: boolean;
  json?: boolean;
  top?: string;
  device?: string;
}

type Line = Prediction & { line: number };

function csvCell(v: unknown): string {
  const s = v === undefined || v === null ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** CSV with one column per class probability (classification) or the value (regression). */
export function predictionsCsv(rows: Line[], classes: string[] | null, task: string): string {
  const head = ['line', 'id', ...(task === 'regression' ? ['value'] : ['prediction', ...(classes ?? []).map((c) => `p_${c}`)])];
  const body = rows.map((r) =>
    [r.line, r.id, ...(task === 'regression' ? [r.value] : [r.label ?? r.labels?.join('|'), ...(classes ?? []).map((c) => r.probabilities?.[c])])].map(csvCell).join(','),
  );
  return `${[head.map(csvCell).join(','), ...body].join('\n')}\n`;
}

export function predictCommand(program: Command): void {
  addDeviceOption(program.command('predict'))
    .description('step 6: batch predictions for a file, with the training preprocessing and bad-input rules')
    .requiredOption('--model <dir>', 'a model directory written by fit or auto')
    .requiredOption('--data <path>', 'rows to predict: CSV/TSV/JSON/NDJSON/Parquet with the training columns (a target column is ignored); image models: an image file, a folder or a glob')
    .option('--out <file>', 'write the predictions here: .csv, .json or .ndjson (default: CSV on stdout, or JSON with --json)')
    .option('--lenient', 'skip rows with bad values (reported with their lines) instead of stopping')
    .option('--json', 'print one JSON object on stdout')
    .option('--top <k>', 'image models: classes listed per image, best first', '5')
    .addHelpText('after', `
Examples:
  sixstep predict --model sixstep-project/models/<run> --data new-penguins.csv --out predictions.csv
  sixstep predict --model sixstep-project/models/<run> --data 'new-photos/*.jpg' --json
Exit codes: 0 done, 3 bad data (file and line named), 4 a corrupted or foreign model directory.`)
    .action(async (o: PredictOptions) => {
      const device = chooseDevice(o);
      if (isImageModel(o.model)) return predictImages({ ...o, device: device.device });
      const out = makeOut(Boolean(o.json));
      const predictor = Predictor.load(o.model, { device: device.device });
      try {
        const table = await readTable(o.data, { lenient: o.lenient });
        const r = predictor.predictTable(table, { lenient: o.lenient });
        const rows: Line[] = r.predictions.map((p, i) => ({ line: r.lines[i], ...p }));
        const skipped = [...table.report.skipped, ...r.report.skipped];
        const summary = { model: predictor.dir, task: predictor.task, device: predictor.device, deviceReason: device.reason, rows: rows.length, skipped, unknown: r.report.unknown, missing: r.report.missing };
        if (o.out) {
          const ext = extname(o.out).toLowerCase();
          const text = ext === '.json' ? `${JSON.stringify(rows)}\n` : ext === '.ndjson' || ext === '.jsonl' ? rows.map((x) => JSON.stringify(x)).join('\n') + '\n' : predictionsCsv(rows, predictor.classes, predictor.task);
          writeAtomic(o.out, text);
          out.say(`${rows.length} predictions written to ${o.out}`);
          out.result({ ...summary, out: o.out });
        } else if (o.json) {
          out.result({ ...summary, predictions: rows });
        } else {
          process.stdout.write(predictionsCsv(rows, predictor.classes, predictor.task));
        }
        // Notes go to stderr so stdout stays a clean CSV.
        if (!o.json) {
          for (const s of skipped) process.stderr.write(`skipped line ${s.line}: ${s.reason}\n`);
          for (const [c, k] of Object.entries(r.report.unknown)) process.stderr.write(`note: ${k} value${k === 1 ? '' : 's'} of ${c} never seen in training (mapped to <unknown>)\n`);
          for (const [c, k] of Object.entries(r.report.missing)) process.stderr.write(`note: ${k} missing value${k === 1 ? '' : 's'} in ${c} (filled as in training)\n`);
        }
      } finally {
        predictor.dispose();
      }
    });
}
