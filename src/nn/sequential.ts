// A chain of modules, each feeding the next; children are named "0", "1", …
import type { Tensor } from '../tensor/index.js';
import { Module } from './module.js';

export class Sequential extends Module {
  readonly layers: Array<Module<[Tensor], Tensor>>;
  constructor(...layers: Array<Module<[Tensor], Tensor>>) {
    super();
    this.layers = layers;
    layers.forEach((m, i) => this.registerModule(String(i), m));
  }
  forward(x: Tensor): Tensor {
    // Intermediate activations are released as soon as the next layer has used
    // them, unless autograd still needs them (it holds its own references).
    let y = x;
    for (const layer of this.layers) {
      const next = layer.forward(y);
      if (y !== x && next !== y) y.dispose();
      y = next;
    }
    return y;
  }
}
