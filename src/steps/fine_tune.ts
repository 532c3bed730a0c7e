// Step 3 from a pretrained backbone (the transfer-learning recipe): a
// torchvision-layout ResNet loads the weights, gets a new head sized to the
// classes, and an input adapter to the data (channels, size, the weights'
// normalization); the body is frozen while the head trains at the rate the
// learning-rate finder gives, then every layer group trains at its own rate,
// earlier groups smaller (found again by the finder, spread down by lrMult).
// Every stage is a logged decision quoting its numbers. It runs the guards
// every other training runs (guards.ts: the NaN guard, gradient watch and
// automatic clipping) and keeps its best epoch across both stages (KeepBest):
// the model it returns holds that epoch's weights.
import { manualSeed, ArgumentError } from '../tensor/index.js';
import { Learner, Recorder, ScheduleCallback, KeepBest, ValidationMetrics, bestEpoch, lrFind, type Callback, type LrFinderOptions } from '../train/index.js';
import { objective, type Objective } from '../metrics/index.js';
import { trainingGuards } from './guards.js';
import { layerGroups, freeze, unfreeze, frozenBatchNorm, discriminativeParamGroups, describeGroups } from '../train/transfer.js';
import { OneCycleLR, spreadLr } from '../optim/index.js';
import { ResNet, torchvisionResNet, isTorchvisionArch, loadWeights, WeightsError, weightsMismatch, safetensorsShapes, IMAGENET_NORMALIZATION, TORCHVISION_ARCHS, type TorchvisionArch } from '../models/index.js';
import type { ModelSpec } from './architecture.js';
import type { CostFunctionChoice } from './cost_function.js';
import { makeOptimizer, metricsFor } from './fit.js';
import type { FitTrainingSetResult } from './fit_training_set.js';
import type { Prepared } from '../data/prepare.js';
import type { Decision, DecisionLog } from './decisions.js';
import type { Augmenter } from '../data/index.js';
import { onDevice } from '../data/device_source.js';

export interface BackboneInput {
  /** [height, width] the backbone sees; default the data's size, at least 32 (five halvings leave 1×1). */
  size?: [number, number];
  /** The normalization the weights were trained with; default ImageNet's (torchvision, timm tv_in1k). */
  mean?: number[];
  std?: number[];
}

/** Which backbone to fine-tune, as the CLI or the API edge checked it (cli/pretrained.ts). */
export interface PretrainedChoice {
  /** A safetensors file with torchvision names. */
  file: string;
  /** Default: recognized from the file's names and shapes. */
  arch?: TorchvisionArch;
  /** Epochs training the head alone before unfreezing. */
  freezeEpochs: number;
  input: BackboneInput;
}

export interface FineTuneTrainingSetOptions {
  /** A safetensors file with torchvision names. */
  pretrained: string;
  /** Default: the architecture whose names and shapes the file fits (head excepted). */
  arch?: TorchvisionArch;
  input?: BackboneInput;
  cost: CostFunctionChoice;
  /** Epochs with every group trainable (after the frozen ones). */
  epochs: number;
  /** Epochs training the head alone first; default 1. */
  freezeEpochs?: number;
  /** The first group's rate is the head's / lrMult (log-spaced between); default 100 (fastai's). */
  lrMult?: number;
  /** Head rate for the frozen stage; default from the finder. */
  lr?: number;
  batchSize?: number;
  weightDecay?: number;
  seed?: number;
  augment?: Augmenter;
  lrFinder?: LrFinderOptions;
  callbacks?: Callback[];
  onDecision?: DecisionLog;
  /** Where the model lives and batches go; default: the data's device. */
  device?: string;
  /** What "best" means for the kept epoch. Default: the validation loss. */
  objective?: Objective;
}

/** The architecture a weights file fits, ignoring the head; null when none does. */
export function archOfWeights(file: string): TorchvisionArch | null {
  const shapes = safetensorsShapes(file);
  for (const arch of Object.keys(TORCHVISION_ARCHS) as TorchvisionArch[]) {
    const m = new ResNet(torchvisionResNet(arch, { classes: 1 }));
    try {
      const own = Object.fromEntries(Object.entries(m.stateDict()).map(([k, t]) => [k, { shape: t.shape }]));
      const d = weightsMismatch(own, shapes, ['fc.']);
      if (!d.missing.length && !d.unexpected.length && !d.shape.length) return arch;
    } finally {
      m.dispose();
    }
  }
  return null;
}

/** The plain-JSON spec of the fine-tuned network: backbone, input adapter, head for the data's outputs. */
export function pretrainedSpec(p: Prepared, arch: TorchvisionArch, input: BackboneInput = {}): ModelSpec {
  if (p.preprocessing.kind !== 'image' || p.archInput.kind !== 'image') throw new ArgumentError('--pretrained needs image data (an image folder or IDX images)');
  const n = p.preprocessing.normalizer;
  const { height, width, outputs } = p.archInput;
  const mean = input.mean ?? [...IMAGENET_NORMALIZATION.mean];
  const std = input.std ?? [...IMAGENET_NORMALIZATION.std];
  const size = input.size ?? [Math.max(32, height), Math.max(32, width)];
  const options = torchvisionResNet(arch, { classes: outputs, inChannels: 3 });
  return { family: 'resnet', options: { ...options, input: { dataMean: n.mean, dataStd: n.std, channels: 3, size, mean, std } } };
}

/** Step 3's result, with the spec of the network it built (saved as the model's architecture). */
export type FineTuneTrainingSetResult = FitTrainingSetResult & { spec: ModelSpec };

export async function fineTuneTrainingSet(p: Prepared, o: FineTuneTrainingSetOptions): Promise<FineTuneTrainingSetResult> {
  const decisions: Decision[] = [];
  const log = (d: Decision) => {
    decisions.push(d);
    o.onDecision?.(d);
  };
  const arch = o.arch ?? archOfWeights(o.pretrained);
  if (!arch) throw new WeightsError(o.pretrained, null, `fits none of ${Object.keys(TORCHVISION_ARCHS).join(', ')} (name --arch to see which tensors differ)`);
  if (!isTorchvisionArch(arch)) throw new ArgumentError(`unknown --arch '${arch}'`);
  const spec = pretrainedSpec(p, arch, o.input);
  manualSeed(o.seed ?? 0);
  const model = new ResNet((spec as Extract<ModelSpec, { family: 'resnet' }>).options);
  const batchSize = o.batchSize ?? 64;
  const device = o.device ?? p.device ?? 'cpu';
  const train = onDevice(p.loader('train', { batchSize, seed: o.seed ?? 0, augment: o.augment, sampling: o.cost.sampling }), device);
  const validation = onDevice(p.loader('validation', { batchSize: Math.max(256, batchSize) }), device);
  let optimizer: ReturnType<typeof makeOptimizer> | null = null;
  const obj = o.objective ?? objective('loss');
  // Across both stages: each ends on the best weights so far, and the model returned holds the best epoch's.
  const keepBest = new KeepBest({ span: true, objective: obj });
  const free = () => {
    train.dispose();
    validation.dispose();
    optimizer?.dispose();
    keepBest.dispose();
    model.dispose();
  };
  try {
    const loaded = loadWeights(model, o.pretrained, { ignore: ['fc.'] });
    // Moved once, after loading and before the optimizer holds the parameters.
    if (device !== 'cpu') model.to(device);
    const ad = model.input!.o;
    log({
      step: 3,
      action: `start from pretrained ${arch} (${o.pretrained}) with a new head for ${model.fc.outFeatures} output${model.fc.outFeatures > 1 ? 's' : ''}`,
      reason: `transfer learning: ${loaded.loaded.length} tensors loaded by name and shape; the file's classifier is replaced by fc ${model.fc.inFeatures}→${model.fc.outFeatures} (${o.arch ? 'architecture as given' : 'architecture recognized from the file\'s names and shapes'})`,
      numbers: { arch, loaded: loaded.loaded.length, newHead: loaded.ignored },
    });
    const [C, H, W] = (p.preprocessing as Extract<Prepared['preprocessing'], { kind: 'image' }>).shape;
    log({
      step: 2,
      action: `adapt the input to the backbone: ${C}×${H}×${W} → ${ad.channels}×${ad.size![0]}×${ad.size![1]}`,
      reason: `the weights expect ${ad.channels}-channel images normalized with mean [${ad.mean.join(', ')}] and std [${ad.std.join(', ')}]${C !== ad.channels ? `; the ${C} channel is repeated` : ''}${H !== ad.size![0] || W !== ad.size![1] ? '; bilinear resize' : ''}`,
      numbers: { from: [C, H, W], to: [ad.channels, ...ad.size!], mean: ad.mean, std: ad.std },
    });
    const groups = layerGroups(model);
    const n = groups.length;
    const lrMult = o.lrMult ?? 100;
    optimizer = makeOptimizer('adam', discriminativeParamGroups(groups, 1e-3), 1e-3, { weightDecay: o.weightDecay });
    const recorder = new Recorder();
    const callbacks: Callback[] = [recorder, keepBest, ...trainingGuards({ step: 3, onDecision: log, what: 'fine-tuning' }), ...(o.callbacks ?? [])];
    if (p.task !== 'multilabel') callbacks.push(new ValidationMetrics(p.task, p.classes?.length ?? 1));
    const learner = new Learner({ model, optimizer, costFunction: o.cost.fn, measureFunction: o.cost.measure, train, validation, metrics: metricsFor(p.task, p.classes), callbacks });
    const lrFinds: FitTrainingSetResult['lrFinds'] = [];
    const find = async (): Promise<number> => {
      const r = await lrFind(learner, o.lrFinder);
      lrFinds.push({ optimizer: 'adam', result: r });
      return r.suggestion.lr;
    };
    const cycle = async (epochs: number, maxLr: number[], pctStart: number, div: number) => {
      if (epochs <= 0) return;
      const schedule = new ScheduleCallback(new OneCycleLR(optimizer!, { maxLr, totalSteps: epochs * Math.max(1, train.length ?? 1), pctStart, divFactor: div }));
      const bn = frozenBatchNorm(groups);
      learner.addCallback(schedule).addCallback(bn);
      try {
        await learner.fit(epochs);
      } finally {
        learner.removeCallback(schedule).removeCallback(bn);
      }
    };

    // Stage 1: the body frozen, the head learns.
    model.train();
    freeze(groups, -1);
    const freezeEpochs = o.freezeEpochs ?? 1;
    const headLr = o.lr ?? (await find());
    const described = describeGroups(groups);
    log({
      step: 3,
      action: `freeze the body, train the head ${freezeEpochs} epoch${freezeEpochs === 1 ? '' : 's'} at ${headLr.toExponential(2)} (Adam, one cycle)`,
      reason: `a new head on frozen pretrained features first, so its random start does not disturb them; ${o.lr !== undefined ? 'rate as given' : `the learning-rate finder's suggestion with the body frozen`}; groups ${described.map((g) => `${g.name} (${g.parameters} parameters${g.frozen ? ', frozen' : ''})`).join(', ')}`,
      numbers: { headLr, freezeEpochs, groups: described },
    });
    optimizer.setLrs(spreadLr(headLr, undefined, n));
    await cycle(freezeEpochs, spreadLr(headLr, undefined, n), 0.99, 25);

    // Stage 2: everything trains, earlier groups slower.
    unfreeze(groups);
    optimizer.setLrs(spreadLr(1 / lrMult, 1, n));
    const found = o.lr !== undefined ? null : await find();
    const top = found === null ? headLr / 2 : Math.min(found, headLr / 2);
    const rates = spreadLr(top / lrMult, top, n);
    log({
      step: 3,
      action: `unfreeze and train ${o.epochs} epoch${o.epochs === 1 ? '' : 's'} with differential rates ${groups.map((g, i) => `${g.name} ${rates[i].toExponential(2)}`).join(', ')}`,
      reason: `earlier layers hold general features that need least change: rates fall by ${lrMult}× from the head to the first group (log-spaced); the head's rate is ${found === null ? 'half the frozen stage\'s' : `the smaller of the finder's ${found.toExponential(2)} (all groups unfrozen, same ratios) and half the frozen stage's ${(headLr / 2).toExponential(2)}`}`,
      numbers: { rates, lrMult, finder: found, frozenHeadLr: headLr },
    });
    await cycle(o.epochs, rates, 0.3, 5);
    const history = learner.history;
    return { model, learner, recorder, history, best: bestEpoch(history, obj), metrics: metricsFor(p.task, p.classes), dispose: free, decisions, lrFinds, optimizer: 'adam', lr: top, spec };
  } catch (e) {
    free();
    throw e;
  }
}
