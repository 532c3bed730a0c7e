// The ResNet bottleneck block (ResNet-50 and deeper): 1×1 reduce, 3×3, 1×1
// expand to 4× the planes, with batch norm and a shortcut. Stride sits on the
// 3×3 convolution (torchvision's "ResNet v1.5"); names follow torchvision
// (conv1…conv3, bn1…bn3, downsample.0/1) so weights interchange.
import { Tensor, tidy } from '../tensor/index.js';
import { Module } from './module.js';
import { Conv2d } from './conv2d.js';
import { BatchNorm2d } from './batchnorm.js';
import { Sequential } from './sequential.js';

export interface BottleneckOptions {
  inPlanes: number;
  /** Width of the 3×3 convolution; the block outputs planes·4 channels. */
  planes: number;
  /** 2 halves the resolution; default 1. */
  stride?: number;
  device?: string;
}

export class Bottleneck extends Module {
  /** Output channels per plane. */
  static readonly expansion = 4;
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly conv3: Conv2d;
  readonly bn3: BatchNorm2d;
  readonly downsample: Sequential | null;

  constructor(o: BottleneckOptions) {
    super();
    const stride = o.stride ?? 1;
    const device = o.device;
    const out = o.planes * Bottleneck.expansion;
    this.conv1 = this.registerModule('conv1', new Conv2d({ inChannels: o.inPlanes, outChannels: o.planes, kernelSize: 1, bias: false, device }));
    this.bn1 = this.registerModule('bn1', new BatchNorm2d({ numFeatures: o.planes, device }));
    this.conv2 = this.registerModule('conv2', new Conv2d({ inChannels: o.planes, outChannels: o.planes, kernelSize: 3, stride, padding: 1, bias: false, device }));
    this.bn2 = this.registerModule('bn2', new BatchNorm2d({ numFeatures: o.planes, device }));
    this.conv3 = this.registerModule('conv3', new Conv2d({ inChannels: o.planes, outChannels: out, kernelSize: 1, bias: false, device }));
    this.bn3 = this.registerModule('bn3', new BatchNorm2d({ numFeatures: out, device }));
    this.downsample =
      stride !== 1 || o.inPlanes !== out
        ? this.registerModule(
            'downsample',
            new Sequential(
              new Conv2d({ inChannels: o.inPlanes, outChannels: out, kernelSize: 1, stride, bias: false, device }),
              new BatchNorm2d({ numFeatures: out, device }),
            ),
          )
        : null;
  }

  forward(x: Tensor): Tensor {
    return tidy(() => {
      const identity = this.downsample ? this.downsample.forward(x) : x;
      let h = this.bn1.forward(this.conv1.forward(x)).relu();
      h = this.bn2.forward(this.conv2.forward(h)).relu();
      h = this.bn3.forward(this.conv3.forward(h));
      return h.add(identity).relu();
    });
  }
}
