// Weight initializers (torch.nn.init): He/Kaiming and Xavier/Glorot. They
// draw from the seeded generator with the same arithmetic as PyTorch, so a
// seed gives PyTorch's exact weights.
import { Tensor, noGrad, tidy, empty, ArgumentError } from '../tensor/index.js';

/**
 * Fills t by `fill` in PyTorch's element order. A generator fills memory in
 * storage order, so a channels-last weight would get PyTorch's values in other
 * places: it draws into a row-major temporary and copies (values, not layout).
 */
function draw(t: Tensor, fill: (u: Tensor) => void): Tensor {
  noGrad(() => {
    if (t.shape.length < 4 || t.isContiguous()) return fill(t);
    tidy(() => {
      const u = empty(t.shape, { dtype: t.dtype, device: t.device });
      fill(u);
      t.copy_(u);
    });
  });
  return t;
}

export type Nonlinearity = 'linear' | 'conv2d' | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu';

/** The recommended gain for a nonlinearity (torch.nn.init.calculate_gain). */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear':
    case 'conv2d':
    case 'sigmoid':
      return 1;
    case 'tanh':
      return 5.0 / 3;
    case 'relu':
      return Math.sqrt(2.0);
    case 'leaky_relu': {
      const slope = param ?? 0.01;
      return Math.sqrt(2.0 / (1 + slope ** 2));
    }
  }
}

/** fan_in and fan_out of a weight: [out, in, ...kernel]. */
export function fans(t: Tensor): { fanIn: number; fanOut: number } {
  const s = t.shape;
  if (s.length < 2) throw new ArgumentError('fan in and fan out need a tensor with at least 2 dimensions');
  const receptive = s.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: s[1] * receptive, fanOut: s[0] * receptive };
}

export interface KaimingOptions {
  /** Negative slope of the rectifier after this layer (leaky_relu only); default 0. */
  a?: number;
  /** 'fan_in' (default) keeps forward variance, 'fan_out' backward. */
  mode?: 'fan_in' | 'fan_out';
  /** Default 'leaky_relu' (with a = 0 that is ReLU's gain √2), as PyTorch. */
  nonlinearity?: Nonlinearity;
}

/** He initialization, normal: N(0, gain²/fan). The seed's default for ReLU networks. */
export function kaimingNormal_(t: Tensor, o: KaimingOptions = {}): Tensor {
  const { fanIn, fanOut } = fans(t);
  const gain = calculateGain(o.nonlinearity ?? 'leaky_relu', o.a ?? 0);
  const std = gain / Math.sqrt(o.mode === 'fan_out' ? fanOut : fanIn);
  return draw(t, (u) => u.normal_(0, std));
}

/** He initialization, uniform: U(−b, b) with b = gain·√(3/fan). */
export function kaimingUniform_(t: Tensor, o: KaimingOptions = {}): Tensor {
  const { fanIn, fanOut } = fans(t);
  const gain = calculateGain(o.nonlinearity ?? 'leaky_relu', o.a ?? 0);
  const std = gain / Math.sqrt(o.mode === 'fan_out' ? fanOut : fanIn);
  const bound = Math.sqrt(3.0) * std;
  return draw(t, (u) => u.uniform_(-bound, bound));
}

/** Glorot initialization, uniform: U(−b, b) with b = gain·√(6/(fan_in+fan_out)). */
export function xavierUniform_(t: Tensor, gain = 1): Tensor {
  const { fanIn, fanOut } = fans(t);
  const std = gain * Math.sqrt(2.0 / (fanIn + fanOut));
  const a = Math.sqrt(3.0) * std;
  return draw(t, (u) => u.uniform_(-a, a));
}

/** Glorot initialization, normal: N(0, gain²·2/(fan_in+fan_out)). */
export function xavierNormal_(t: Tensor, gain = 1): Tensor {
  const { fanIn, fanOut } = fans(t);
  const std = gain * Math.sqrt(2.0 / (fanIn + fanOut));
  return draw(t, (u) => u.normal_(0, std));
}

export function uniform_(t: Tensor, low: number, high: number): Tensor {
  return draw(t, (u) => u.uniform_(low, high));
}

export function zeros_(t: Tensor): Tensor {
  return noGrad(() => t.zero_());
}

export function ones_(t: Tensor): Tensor {
  return noGrad(() => t.fill_(1));
}

/**
 * PyTorch's default for Linear and Conv2d: Kaiming-uniform with a = √5 (so
 * U(±1/√fan_in)) for the weight, and U(±1/√fan_in) for the bias — in that
 * order, so a seed draws PyTorch's exact values.
 */
export function defaultLayerInit_(weight: Tensor, bias: Tensor | null): void {
  kaimingUniform_(weight, { a: Math.sqrt(5) });
  if (bias) {
    const { fanIn } = fans(weight);
    const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
    noGrad(() => bias.uniform_(-bound, bound));
  }
}
