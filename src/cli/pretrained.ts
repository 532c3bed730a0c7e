// The fine-tuning options of fit and auto (--pretrained, --arch, the input the
// weights expect), parsed and checked once here.
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { isTorchvisionArch, TORCHVISION_ARCHS, IMAGENET_NORMALIZATION, type TorchvisionArch } from '../models/index.js';
import type { BackboneInput, PretrainedChoice } from '../steps/fine_tune.js';
import type { Prepared } from '../data/prepare.js';
import { UsageError } from './errors.js';

export type { PretrainedChoice };

export interface PretrainedCliOptions {
  pretrained?: string;
  arch?: string;
  freezeEpochs?: string;
  inputSize?: string;
  inputMean?: string;
  inputStd?: string;
}


export function addPretrainedOptions(c: Command): Command {
  return c
    .option('--pretrained <file>', 'images: fine-tune a torchvision-named ResNet from this safetensors file (new head, body frozen first, then differential rates)')
    .option('--arch <name>', `with --pretrained: ${Object.keys(TORCHVISION_ARCHS).join(', ')} (default: recognized from the file)`)
    .option('--freeze-epochs <n>', 'with --pretrained: epochs training the head alone before unfreezing', '1')
    .option('--input-size <px>', 'with --pretrained: side (or HxW) of the images the backbone sees (default: the data\'s, at least 32)')
    .option('--input-mean <r,g,b>', `with --pretrained: normalization mean the weights were trained with (default ImageNet ${IMAGENET_NORMALIZATION.mean.join(',')})`)
    .option('--input-std <r,g,b>', `with --pretrained: normalization std (default ImageNet ${IMAGENET_NORMALIZATION.std.join(',')})`);
}

function numbers(flag: string, v: string, n: number): number[] {
  const xs = v.split(',').map((s) => Number(s.trim()));
  if (xs.length !== n || xs.some((x) => !Number.isFinite(x))) throw new UsageError(`${flag} ${JSON.stringify(v)}: expected ${n} comma-separated numbers`);
  return xs;
}

/** null without --pretrained; UsageError for anything that cannot work. */
export function pretrainedChoice(o: PretrainedCliOptions): PretrainedChoice | null {
  if (!o.pretrained) {
    const stray = (['arch', 'inputSize', 'inputMean', 'inputStd'] as const).filter((k) => o[k] !== undefined);
    if (stray.length) throw new UsageError(`--${stray[0].replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} applies only with --pretrained <file>`);
    return null;
  }
  if (!existsSync(o.pretrained)) throw new UsageError(`--pretrained ${o.pretrained}: no such file`);
  if (o.arch !== undefined && !isTorchvisionArch(o.arch)) throw new UsageError(`--arch ${JSON.stringify(o.arch)}: expected one of ${Object.keys(TORCHVISION_ARCHS).join(', ')}`);
  const freezeEpochs = Number(o.freezeEpochs ?? 1);
  if (!Number.isInteger(freezeEpochs) || freezeEpochs < 0) throw new UsageError(`--freeze-epochs ${o.freezeEpochs}: expected a whole number ≥ 0`);
  const input: BackboneInput = {};
  if (o.inputSize !== undefined) {
    const m = /^(\d+)(?:x(\d+))?$/i.exec(o.inputSize);
    if (!m || Number(m[1]) < 8 || Number(m[2] ?? m[1]) < 8) throw new UsageError(`--input-size ${JSON.stringify(o.inputSize)}: expected a side like 64 or HxW like 64x96 (at least 8)`);
    input.size = [Number(m[1]), Number(m[2] ?? m[1])];
  }
  if (o.inputMean !== undefined) input.mean = numbers('--input-mean', o.inputMean, 3);
  if (o.inputStd !== undefined) {
    input.std = numbers('--input-std', o.inputStd, 3);
    if (input.std.some((s) => !(s > 0))) throw new UsageError(`--input-std ${o.inputStd}: every std must be > 0`);
  }
  return { file: o.pretrained, arch: o.arch as TorchvisionArch | undefined, freezeEpochs, input };
}

/** Fine-tuning takes images: a table or text with --pretrained is refused, naming the file and the data. */
export function requireImagesFor(pre: PretrainedChoice | null, p: Prepared, data: string): void {
  if (pre && p.kind !== 'image') throw new UsageError(`--pretrained ${pre.file}: fine-tunes image models, and ${data} is ${p.kind === 'tabular' ? 'a table' : 'text'}`);
}
