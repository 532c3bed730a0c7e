// The benchmark models, identical to bench/reference.py's PyTorch ones.
import { Tensor } from '../src/tensor/index.js';
import { Module, Sequential, Linear, ReLU, Conv2d, BatchNorm2d, BasicBlock, AdaptiveAvgPool2d, Flatten } from '../src/nn/index.js';

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
