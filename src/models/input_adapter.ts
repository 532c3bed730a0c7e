// Adapts images as the data pipeline prepares them (standardized with the
// training set's channel statistics, at the data's size and channel count)
// to what a pretrained backbone was trained on: back to [0, 1], channels
// repeated (greyscale → RGB), bilinear resize, then the backbone's own
// normalization (ImageNet's mean/std for torchvision weights). Part of the
// model, so training, the sealed test, predict and serve all apply it alike,
// on the model's device; it has no parameters, so weight names are untouched.
import { Tensor, tensor, tidy, op, ArgumentError } from '../tensor/index.js';
import { Module } from '../nn/index.js';

export interface InputAdapterOptions {
  /** The data pipeline's per-channel normalization (the training set's statistics). */
  dataMean: number[];
  dataStd: number[];
  /** Channels the backbone takes; 1-channel data is repeated to it. Default: the data's. */
  channels?: number;
  /** [height, width] the backbone sees; default: the data's size. */
  size?: [number, number];
  /** The normalization the backbone's weights were trained with. */
  mean: number[];
  std: number[];
}

export class InputAdapter extends Module {
  constructor(readonly o: InputAdapterOptions) {
    super();
    const c = o.channels ?? o.dataMean.length;
    if (o.dataMean.length !== o.dataStd.length) throw new ArgumentError('InputAdapter: dataMean and dataStd differ in length');
    if (o.mean.length !== c || o.std.length !== c) throw new ArgumentError(`InputAdapter: the backbone normalization has ${o.mean.length} means and ${o.std.length} stds for ${c} channels`);
    if (o.dataMean.length !== c && o.dataMean.length !== 1) throw new ArgumentError(`InputAdapter: ${o.dataMean.length}-channel data cannot become ${c} channels (only 1 → ${c} by repetition)`);
  }

  forward(x: Tensor): Tensor {
    return tidy(() => {
      const o = this.o;
      const dev = x.device;
      const col = (v: number[]) => tensor(Float32Array.from(v), { shape: [1, v.length, 1, 1], device: dev });
      let h = x.mul(col(o.dataStd)).add(col(o.dataMean));
      const [N, C, H, W] = h.shape;
      const c = o.channels ?? C;
      if (c !== C) h = h.expand(N, c, H, W);
      if (o.size && (o.size[0] !== H || o.size[1] !== W)) h = op('aten::upsample_bilinear2d', '', h.contiguous(), o.size, false, null, null) as Tensor;
      return h.sub(col(o.mean)).div(col(o.std));
    });
  }
}
