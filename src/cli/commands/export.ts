// sixstep export: a model directory as an ONNX file that any ONNX runtime
// (onnxruntime-node, onnxruntime-web, mobile) runs without sixstep, with the
// training preprocessing inside the graph and a JSON sidecar for what a graph
// cannot parse (category strings, dates, text).
import type { Command } from 'commander';
import { exportModelDir, ExportError } from '../../export/index.js';
import { UsageError } from '../errors.js';
import { makeOut } from '../output.js';
import { writeAtomic, writeJsonAtomic } from '../../files/index.js';

interface ExportOptions {
  model: string;
  format: string;
  out: string;
  sidecar?: string;
  json?: boolean;
}

export function exportCommand(program: Command): void {
  program
    .command('export')
    .description('step 6: export a saved model (with its preprocessing) to run outside sixstep')
    .requiredOption('--model <dir>', 'a model directory written by fit or auto')
    .requiredOption('--out <file.onnx>', 'the file to write')
    .option('--format <format>', 'export format (onnx)', 'onnx')
    .option('--sidecar <file.json>', 'where the input sidecar goes (default: <out without .onnx>.inputs.json)')
    .option('--json', 'print one JSON object on stdout')
    .addHelpText('after', `
The graph (opset 13, dynamic batch axis) standardizes, fills gaps with the training medians and one-hot
encodes categories itself. For an all-numeric table its input "features" is float32 [batch, features]
of the raw values in the manifest's feature order (NaN for a missing value); its outputs are
"probabilities" and "class" (classification) or "value" (regression, in the target's units).
Each text column is an input of its own, "tokens_<column>": int64 [batch, length] token ids (0 pads).
The sidecar lists the input columns, classes and, for categories, dates and text (its tokenizer), the
encoding the function onnxFeeds (sixstep/export) applies to raw rows.
Example:
  sixstep export --model sixstep-project/models/<run> --format onnx --out penguins.onnx
Exit codes: 0 written, 2 bad option, 4 a corrupted or foreign model directory.`)
    .action((o: ExportOptions) => {
      const out = makeOut(Boolean(o.json));
      if (o.format !== 'onnx') throw new UsageError(`--format: expected onnx, found ${JSON.stringify(o.format)}`);
      if (!o.out.endsWith('.onnx')) throw new UsageError(`--out: expected a file name ending in .onnx, found ${JSON.stringify(o.out)}`);
      const sidecarPath = o.sidecar ?? `${o.out.slice(0, -'.onnx'.length)}.inputs.json`;
      let exported;
      try {
        exported = exportModelDir(o.model);
      } catch (e) {
        if (e instanceof ExportError) throw new UsageError(`--model ${o.model}: ${e.message}`);
        throw e;
      }
      writeAtomic(o.out, exported.onnx);
      writeJsonAtomic(sidecarPath, exported.sidecar, 2);
      const s = exported.sidecar;
      const inputs = s.input.kind === 'table' ? [...(s.input.name ? [s.input.name] : []), ...s.input.texts.map((t) => t.name)] : [s.input.name];
      out.say(`wrote ${o.out} (${exported.onnx.length.toLocaleString('en-US')} bytes, opset ${s.opset}, input${inputs.length > 1 ? 's' : ''} ${inputs.map((x) => `"${x}"`).join(', ')}, outputs ${s.outputs.map((x) => `"${x}"`).join(', ')}) and ${sidecarPath}`);
      out.result({ onnx: o.out, sidecar: sidecarPath, bytes: exported.onnx.length, opset: s.opset, task: s.task, classes: s.classes, input: inputs[0], inputs, outputs: s.outputs });
    });
}
