// Module: the base of every layer — named parameters, buffers and children,
// train/eval mode, state dicts — PyTorch's nn.Module in TypeScript idiom.
import { Tensor, keep, noGrad, ArgumentError, ShapeError } from '../tensor/index.js';

export abstract class Module<In extends unknown[] = [Tensor], Out = Tensor> {
  /** Training mode: dropout drops, batch norm uses and updates batch statistics. */
  training = true;
  private readonly _parameters = new Map<string, Tensor>();
  private readonly _buffers = new Map<string, Tensor>();
  private readonly _children = new Map<string, Module<any, any>>();

  abstract forward(...inputs: In): Out;

  /** Same as forward(); reads like calling the module in PyTorch. */
  call(...inputs: In): Out {
    return this.forward(...inputs);
  }

  /** Registers a trainable tensor: it leaves every tidy() scope and requires grad. */
  protected registerParameter(name: string, t: Tensor): Tensor {
    keep(t);
    t.requiresGrad_(true);
    this._parameters.set(name, t);
    return t;
  }

  /** Registers state that is saved but not trained (running statistics …). */
  protected registerBuffer(name: string, t: Tensor): Tensor {
    keep(t);
    this._buffers.set(name, t);
    return t;
  }

  protected registerModule<M extends Module<any, any>>(name: string, m: M): M {
    this._children.set(name, m);
    return m;
  }

  /** Parameters with PyTorch's dotted names ("0.weight", "layer1.0.bn1.bias"). */
  namedParameters(prefix = ''): Array<[string, Tensor]> {
    const out: Array<[string, Tensor]> = [];
    for (const [n, p] of this._parameters) out.push([prefix + n, p]);
    for (const [n, c] of this._children) out.push(...c.namedParameters(`${prefix}${n}.`));
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  namedBuffers(prefix = ''): Array<[string, Tensor]> {
    const out: Array<[string, Tensor]> = [];
    for (const [n, b] of this._buffers) out.push([prefix + n, b]);
    for (const [n, c] of this._children) out.push(...c.namedBuffers(`${prefix}${n}.`));
    return out;
  }

  namedChildren(): Array<[string, Module<any, any>]> {
    return [...this._children];
  }

  /** This module and every descendant, with dotted names ('' for this one). */
  namedModules(prefix = ''): Array<[string, Module<any, any>]> {
    const out: Array<[string, Module<any, any>]> = [[prefix, this]];
    for (const [n, c] of this._children) out.push(...c.namedModules(prefix ? `${prefix}.${n}` : n));
    return out;
  }

  /** Number of trainable values. */
  parameterCount(): number {
    return this.parameters().reduce((s, p) => s + p.numel, 0);
  }

  train(on = true): this {
    this.training = on;
    for (const c of this._children.values()) c.train(on);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /**
   * Parameters and buffers by name. The tensors are the module's own (not
   * copies): read or save them, do not dispose them.
   */
  stateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const [n, p] of this.namedParameters()) out[n] = p;
    for (const [n, b] of this.namedBuffers()) out[n] = b;
    return out;
  }

  /** Copies values in; with strict (default) every name must match both ways. */
  loadStateDict(state: Record<string, Tensor>, options: { strict?: boolean } = {}): void {
    const own = this.stateDict();
    const strict = options.strict ?? true;
    const missing = Object.keys(own).filter((k) => !(k in state));
    const unexpected = Object.keys(state).filter((k) => !(k in own));
    if (strict && (missing.length || unexpected.length)) {
      throw new ArgumentError(
        `loadStateDict: ${missing.length ? `missing ${missing.join(', ')}` : ''}${missing.length && unexpected.length ? '; ' : ''}${unexpected.length ? `unexpected ${unexpected.join(', ')}` : ''}`,
      );
    }
    for (const [k, dst] of Object.entries(own)) {
      const src = state[k];
      if (!src) continue;
      const a = dst.shape.join(','), b = src.shape.join(',');
      if (a !== b) throw new ShapeError(`loadStateDict: '${k}' has shape [${b}], the module expects [${a}]`);
    }
    noGrad(() => {
      for (const [k, dst] of Object.entries(own)) {
        const src = state[k];
        if (src) dst.copy_(src);
      }
    });
  }

  /** Zeroes gradients by dropping them (as PyTorch's zero_grad(set_to_none=True)). */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  /**
   * Moves parameters and buffers to a device or dtype, keeping the same Tensor
   * objects (so references stay valid). Create optimizers after moving.
   */
  to(target: string): this {
    noGrad(() => {
      for (const t of [...this.parameters(), ...this.namedBuffers().map(([, b]) => b)]) {
        const moved = t.to(target);
        const isParam = t.requiresGrad;
        moved.requiresGrad_(isParam);
        t.adopt(moved);
      }
    });
    return this;
  }

  /** Releases every parameter and buffer of this module and its children. */
  dispose(): void {
    for (const p of this._parameters.values()) p.dispose();
    for (const b of this._buffers.values()) b.dispose();
    for (const c of this._children.values()) c.dispose();
  }
}

