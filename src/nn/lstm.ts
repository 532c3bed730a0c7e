// Long short-term memory: the seed's default recurrent unit, which resists
// vanishing gradients. One fused libtorch call for all layers and steps.
import { Tensor, empty, zeros, noGrad } from '../tensor/index.js';
import { native, type Handle } from '../tensor/native.js';
import { opId } from '../tensor/index.js';
import { Module } from './module.js';

export interface LSTMOptions {
  inputSize: number;
  hiddenSize: number;
  /** Stacked layers; default 1. */
  numLayers?: number;
  /** Default true. */
  bias?: boolean;
  /** Inputs and outputs as (batch, seq, feature) instead of (seq, batch, feature); default false. */
  batchFirst?: boolean;
  /** Dropout between stacked layers in training; default 0. */
  dropout?: number;
  /** Default false. */
  bidirectional?: boolean;
  device?: string;
}

export interface LSTMOutput {
  /** Top layer's hidden state at every step. */
  output: Tensor;
  /** Final hidden state of every layer (and direction): (layers·dirs, batch, hidden). */
  h: Tensor;
  /** Final cell state, same shape as h. */
  c: Tensor;
}

const LSTM_OP = opId('aten::lstm', 'input');

export class LSTM extends Module<[Tensor, [Tensor, Tensor]?], LSTMOutput> {
  readonly o: Required<Omit<LSTMOptions, 'device'>>;
  private readonly flat: Tensor[] = [];

  constructor(o: LSTMOptions) {
    super();
    // Each default applies to an option left undefined (a spread would keep the undefined).
    this.o = {
      inputSize: o.inputSize,
      hiddenSize: o.hiddenSize,
      numLayers: o.numLayers ?? 1,
      bias: o.bias ?? true,
      batchFirst: o.batchFirst ?? false,
      dropout: o.dropout ?? 0,
      bidirectional: o.bidirectional ?? false,
    };
    const { hiddenSize: H, numLayers } = this.o;
    const dirs = this.o.bidirectional ? 2 : 1;
    const dev = { device: o.device };
    // Registration order and names are PyTorch's, so state dicts interchange
    // and a seed draws the same initial weights.
    for (let layer = 0; layer < numLayers; layer++) {
      for (let d = 0; d < dirs; d++) {
        const sfx = `_l${layer}${d === 1 ? '_reverse' : ''}`;
        const inSize = layer === 0 ? this.o.inputSize : H * dirs;
        this.flat.push(this.registerParameter(`weight_ih${sfx}`, empty([4 * H, inSize], dev)));
        this.flat.push(this.registerParameter(`weight_hh${sfx}`, empty([4 * H, H], dev)));
        if (this.o.bias) {
          this.flat.push(this.registerParameter(`bias_ih${sfx}`, empty([4 * H], dev)));
          this.flat.push(this.registerParameter(`bias_hh${sfx}`, empty([4 * H], dev)));
        }
      }
    }
    const bound = 1 / Math.sqrt(H);
    noGrad(() => {
      for (const p of this.flat) p.uniform_(-bound, bound);
    });
  }

  forward(x: Tensor, state?: [Tensor, Tensor]): LSTMOutput {
    const { hiddenSize, numLayers, batchFirst } = this.o;
    const dirs = this.o.bidirectional ? 2 : 1;
    let h0 = state?.[0];
    let c0 = state?.[1];
    let made: Tensor[] = [];
    if (!h0 || !c0) {
      const batch = x.size(batchFirst ? 0 : 1);
      h0 = zeros([numLayers * dirs, batch, hiddenSize], { dtype: x.dtype, device: x.device });
      c0 = zeros([numLayers * dirs, batch, hiddenSize], { dtype: x.dtype, device: x.device });
      made = [h0, c0];
    }
    const [out, h, c] = native.call(
      LSTM_OP, x._h, [h0._h, c0._h], this.flat.map((p) => p._h), this.o.bias, numLayers, this.o.dropout, this.training, this.o.bidirectional, batchFirst,
    ) as [Handle, Handle, Handle];
    for (const t of made) t.dispose();
    return { output: new Tensor(out), h: new Tensor(h), c: new Tensor(c) };
  }
}
