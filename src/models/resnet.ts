// ResNets sized to the input, the seed's proven starting point for images: a
// small CIFAR-style ResNet (3×3 stem, three stages) for 28–64 px inputs, the
// ResNet-18/34 layouts (7×7 stride-2 stem, max pool, four stages) for larger.
import { Tensor, tidy } from '../tensor/index.js';
import { Module, Conv2d, BatchNorm2d, BasicBlock, Bottleneck, Linear, Dropout, MaxPool2d, init } from '../nn/index.js';
import * as F from '../nn/functional.js';
import { InputAdapter, type InputAdapterOptions } from './input_adapter.js';
import type { GroupedModule, LayerGroupSpec } from '../train/transfer.js';

export interface ResNetOptions {
  inChannels: number;
  classes: number;
  /** Blocks per stage, e.g. [1, 1, 1] (ResNet-8), [3, 3, 3] (ResNet-20), [2, 2, 2, 2] (ResNet-18). */
  blocks: number[];
  /** Channels per stage; default 16·2^i for 3 stages, 64·2^i for 4. */
  widths?: number[];
  /** 'small': 3×3 stride-1 stem (inputs up to 64 px); 'imagenet': 7×7 stride-2 stem and max pool. Default by stage count. */
  stem?: 'small' | 'imagenet';
  /** Dropout before the classifier; default 0. */
  dropout?: number;
  /** 'basic' (two 3×3, ResNet-18/34) or 'bottleneck' (1×1–3×3–1×1 at 4× width, ResNet-50); default 'basic'. */
  block?: 'basic' | 'bottleneck';
  /** Adapt the prepared data to a pretrained backbone (channels, size, its normalization) before the stem; default none. */
  input?: InputAdapterOptions | null;
}

export class ResNet extends Module implements GroupedModule {
  readonly o: Required<ResNetOptions>;
  readonly stem: Conv2d;
  readonly stemBn: BatchNorm2d;
  readonly stages: Array<Array<BasicBlock | Bottleneck>> = [];
  readonly pool: MaxPool2d | null;
  readonly drop: Dropout | null;
  readonly fc: Linear;
  readonly input: InputAdapter | null;

  constructor(o: ResNetOptions) {
    super();
    const four = o.blocks.length >= 4;
    const widths = o.widths ?? o.blocks.map((_, i) => (four ? 64 : 16) * 2 ** i);
    this.o = { inChannels: o.inChannels, classes: o.classes, blocks: o.blocks, widths, stem: o.stem ?? (four ? 'imagenet' : 'small'), dropout: o.dropout ?? 0, block: o.block ?? 'basic', input: o.input ?? null };
    const expansion = this.o.block === 'bottleneck' ? Bottleneck.expansion : 1;
    const big = this.o.stem === 'imagenet';
    this.input = o.input ? this.registerModule('input', new InputAdapter(o.input)) : null;
    this.stem = this.registerModule('conv1', new Conv2d({ inChannels: o.inChannels, outChannels: widths[0], kernelSize: big ? 7 : 3, stride: big ? 2 : 1, padding: big ? 3 : 1, bias: false }));
    this.stemBn = this.registerModule('bn1', new BatchNorm2d({ numFeatures: widths[0] }));
    this.pool = big ? this.registerModule('maxpool', new MaxPool2d({ kernelSize: 3, stride: 2, padding: 1 })) : null;
    let inPlanes = widths[0];
    o.blocks.forEach((n, s) => {
      const stage: Array<BasicBlock | Bottleneck> = [];
      for (let b = 0; b < n; b++) {
        const bo = { inPlanes, planes: widths[s], stride: b === 0 && s > 0 ? 2 : 1 };
        const block = expansion === 1 ? new BasicBlock(bo) : new Bottleneck(bo);
        stage.push(this.registerModule(`layer${s + 1}.${b}`, block));
        inPlanes = widths[s] * expansion;
      }
      this.stages.push(stage);
    });
    this.drop = this.o.dropout ? this.registerModule('dropout', new Dropout({ p: this.o.dropout })) : null;
    this.fc = this.registerModule('fc', new Linear({ inFeatures: inPlanes, outFeatures: o.classes }));
    // He initialization for every convolution (fan_out, as torchvision does for ResNets).
    for (const [, m] of this.namedModules()) if (m instanceof Conv2d) init.kaimingNormal_(m.weight, { mode: 'fan_out', nonlinearity: 'relu' });
  }

  /** Everything before the classifier: pooled features [B, C]. */
  features(x: Tensor): Tensor {
    return tidy(() => {
      let h = this.stemBn.forward(this.stem.forward(this.input ? this.input.forward(x) : x)).relu();
      if (this.pool) h = this.pool.forward(h);
      for (const stage of this.stages) for (const block of stage) h = block.forward(h);
      return F.adaptiveAvgPool2d(h, 1).flatten(1);
    });
  }

  forward(x: Tensor): Tensor {
    return tidy(() => {
      let f = this.features(x);
      if (this.drop) f = this.drop.forward(f);
      return this.fc.forward(f);
    });
  }

  /** Fine-tuning's layer groups: [stem + the first ⌊stages/2⌋ stages], [the other stages], [head] — fastai's split (for 4 stages: conv1…layer2 | layer3, layer4 | fc). */
  layerGroupSpec(): LayerGroupSpec {
    const children = this.namedChildren();
    const early = Math.max(1, Math.floor(this.stages.length / 2));
    const isStage = (n: string) => /^layer\d+\./.test(n);
    const stageOf = (n: string) => Number(/^layer(\d+)\./.exec(n)![1]) - 1;
    const stem = children.filter(([n]) => !isStage(n) && n !== 'fc' && n !== 'dropout').map(([n]) => n);
    return [
      { name: 'body.0', modules: [...stem, ...children.filter(([n]) => isStage(n) && stageOf(n) < early).map(([n]) => n)] },
      { name: 'body.1', modules: children.filter(([n]) => isStage(n) && stageOf(n) >= early).map(([n]) => n) },
      { name: 'head', modules: children.filter(([n]) => n === 'fc' || n === 'dropout').map(([n]) => n) },
    ];
  }
}

/** The ResNet the seed would start with for images of this size. */
export function resnetFor(o: { inChannels: number; classes: number; height: number; width: number }): ResNetOptions {
  const side = Math.min(o.height, o.width);
  if (side <= 64) return { inChannels: o.inChannels, classes: o.classes, blocks: [1, 1, 1], stem: 'small' };
  if (side <= 160) return { inChannels: o.inChannels, classes: o.classes, blocks: [2, 2, 2, 2], stem: 'imagenet' };
  return { inChannels: o.inChannels, classes: o.classes, blocks: [3, 4, 6, 3], stem: 'imagenet' };
}
