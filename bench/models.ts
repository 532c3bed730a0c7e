// The benchmark models, identical to bench/reference.py's PyTorch ones.
import { Tensor } from '../src/tensor/index.js';
import { Module, Sequential, Linear, ReLU, Conv2d, BatchNorm2d, BasicBlock, AdaptiveAvgPool2d, Flatten } from '../src/nn/index.js';
import { TabularNet } from '../src/models/index.js';

/** ResNet-8: a 16-channel stem and three basic blocks of 16/32/64 channels, for 1×28×28 inputs. */
export function resnet8(classes = 10): Module {
  return new Sequential(
    new Conv2d({ inChannels: 1, outChannels: 16, kernelSize: 3, padding: 1, bias: false }),
    new BatchNorm2d({ numFeatures: 16 }),
    new ReLU(),
    new BasicBlock({ inPlanes: 16, planes: 16 }),
    new BasicBlock({ inPlanes: 16, planes: 32, stride: 2 }),
    new BasicBlock({ inPlanes: 32, planes: 64, stride: 2 }),
    new AdaptiveAvgPool2d({ outputSize: 1 }),
    new Flatten(),
    new Linear({ inFeatures: 64, outFeatures: classes }),
  );
}

/** A multilayer perceptron over the given widths, ReLU between layers. */
export function mlp(widths: number[]): Module {
  const layers: Array<Module<[Tensor], Tensor>> = [];
  for (let i = 0; i + 1 < widths.length; i++) {
    layers.push(new Linear({ inFeatures: widths[i], outFeatures: widths[i + 1] }));
    if (i + 2 < widths.length) layers.push(new ReLU());
  }
  return new Sequential(...layers);
}

/** The shapes of the text cases, the same in bench/reference.py. */
export const TEXT_SHAPES = {
  bag: { vocabulary: 5000, buckets: 2048, dim: 64, length: 16, hidden: 36, classes: 8 },
  lstm: { vocabulary: 5000, dim: 64, units: 128, length: 64, hidden: 65, classes: 2 },
} as const;

/** A text column read as a bag of words and hashed word pairs (mean), one hidden layer, the head: the table network with one text input. */
export function textBag(): Module {
  const t = TEXT_SHAPES.bag;
  return new TabularNet({ blocks: [], texts: [{ column: 'text', start: 0, length: t.length, vocabulary: t.vocabulary, encoder: 'bag', dim: t.dim, buckets: t.buckets }], hidden: [t.hidden], outputs: t.classes });
}

/** A text column read by embedding + LSTM (max over the real positions), one hidden layer, the head. */
export function textLstm(): Module {
  const t = TEXT_SHAPES.lstm;
  return new TabularNet({ blocks: [], texts: [{ column: 'text', start: 0, length: t.length, vocabulary: t.vocabulary, encoder: 'lstm', dim: t.dim, hidden: t.units }], hidden: [t.hidden], outputs: t.classes });
}
