// The standard ImageNet ResNets with torchvision's layout: a state dict saved
// from torchvision (or timm's resnet*.tv_in1k) loads as is — same parameter
// and buffer names (conv1, bn1, layer1.0.conv1 …, layerN.0.downsample.0/1,
// fc; running_mean, running_var, num_batches_tracked), same shapes, same
// eval-mode outputs (test/models/torchvision.test.ts against torchvision 0.14).
import { ArgumentError } from '../tensor/index.js';
import type { ResNetOptions } from './resnet.js';

export type TorchvisionArch = 'resnet18' | 'resnet34' | 'resnet50';

export const TORCHVISION_ARCHS: Readonly<Record<TorchvisionArch, { blocks: number[]; block: 'basic' | 'bottleneck' }>> = {
  resnet18: { blocks: [2, 2, 2, 2], block: 'basic' },
  resnet34: { blocks: [3, 4, 6, 3], block: 'basic' },
  resnet50: { blocks: [3, 4, 6, 3], block: 'bottleneck' },
};

export function isTorchvisionArch(name: string): name is TorchvisionArch {
  return Object.prototype.hasOwnProperty.call(TORCHVISION_ARCHS, name);
}

/** ResNet options reproducing torchvision.models.<arch>(num_classes=classes). */
export function torchvisionResNet(arch: string, o: { classes: number; inChannels?: number }): ResNetOptions {
  if (!isTorchvisionArch(arch)) throw new ArgumentError(`unknown architecture '${arch}': expected one of ${Object.keys(TORCHVISION_ARCHS).join(', ')}`);
  const a = TORCHVISION_ARCHS[arch];
  return { inChannels: o.inChannels ?? 3, classes: o.classes, blocks: [...a.blocks], widths: [64, 128, 256, 512], stem: 'imagenet', block: a.block };
}

/** The input normalization torchvision's ImageNet weights were trained with (RGB, values in [0, 1]). */
export const IMAGENET_NORMALIZATION = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } as const;
