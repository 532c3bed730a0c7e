// The ResNet basic block (He et al. 2015): two 3×3 convolutions with batch
// norm and a shortcut, projected by a 1×1 convolution when the shape changes.
// Names follow torchvision so weights interchange.
import { Tensor, tidy } from '../tensor/index.js';
import { Module } from './module.js';
import { Conv2d } from './conv2d.js';
import { BatchNorm2d } from './batchnorm.js';
import { Sequential } from './sequential.js';

export interface BasicBlockOptions {
  inPlanes: number;
  planes: number;
  /** 2 halves the resolution; default 1. */
  stride?: number;
  device?: string;
}

export class BasicBlock extends Module {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly downsample: Sequential | null;

  constructor(o: BasicBlockOptions) {
    super();
    const stride = o.stride ?? 1;
    const device = o.device;
    this.conv1 = this.registerModule('conv1', new Conv2d({ inChannels: o.inPlanes, outChannels: o.planes, kernelSize: 3, stride, padding: 1, bias: false, device }));
    this.bn1 = this.registerModule('bn1', new BatchNorm2d({ numFeatures: o.planes, device }));
    this.conv2 = this.registerModule('conv2', new Conv2d({ inChannels: o.planes, outChannels: o.planes, kernelSize: 3, padding: 1, bias: false, device }));
    this.bn2 = this.registerModule('bn2', new BatchNorm2d({ numFeatures: o.planes, device }));
    this.downsample =
      stride !== 1 || o.inPlanes !== o.planes
        ? this.registerModule(
            'downsample',
            new Sequential(
              new Conv2d({ inChannels: o.inPlanes, outChannels: o.planes, kernelSize: 1, stride, bias: false, device }),
              new BatchNorm2d({ numFeatures: o.planes, device }),
            ),
          )
        : null;
  }

  forward(x: Tensor): Tensor {
    return tidy(() => {
      const identity = this.downsample ? this.downsample.forward(x) : x;
      const out = this.bn2.forward(this.conv2.forward(this.bn1.forward(this.conv1.forward(x)).relu()));
      return out.add(identity).relu();
    });
  }
}
