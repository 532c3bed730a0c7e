// The optimizer base: parameter groups whose learning rate and weight decay
// can change at every step (schedules, differential learning rates), with the
// update itself run in C++ (native/optim.cc) for one crossing per step.
import { Tensor, ArgumentError } from '../tensor/index.js';
import { native, type NativeGroupOptions, type NativeParamState } from '../tensor/native.js';
import { checkHyperparameters } from './hyperparameters.js';

const NAMES = { sgd: 'SGD', adam: 'Adam', adamw: 'AdamW' } as const;

/** A set of parameters sharing hyperparameters; unset ones take the optimizer's. */
export interface ParamGroup extends NativeGroupOptions {
  params: Tensor[];
  /** A name for reports (e.g. 'body', 'head'). */
  name?: string;
}

export type Params = Tensor[] | ParamGroup[];

/** Everything needed to resume an optimizer: group hyperparameters and per-parameter state. */
export interface OptimizerState {
  kind: string;
  groups: Array<Required<NativeGroupOptions>>;
  /** Tensors named "<param index>.<exp_avg|exp_avg_sq|max_exp_avg_sq|momentum_buffer>"; copies owned by the caller. */
  tensors: Record<string, Tensor>;
  /** Step count per parameter index. */
  steps: number[];
}

export abstract class Optimizer {
  readonly groups: ParamGroup[];
  private id: number;

  protected constructor(readonly kind: 'sgd' | 'adam' | 'adamw', params: Params, defaults: NativeGroupOptions) {
    if (!params.length) throw new ArgumentError('an optimizer needs at least one parameter');
    const groups: ParamGroup[] = params[0] instanceof Tensor ? [{ params: params as Tensor[] }] : (params as ParamGroup[]);
    this.groups = groups.map((g) => ({ ...defaults, ...g }));
    this.groups.forEach((g, i) => {
      const { params: _p, name: _n, ...opts } = g;
      checkHyperparameters(groups.length > 1 ? `${NAMES[kind]} parameter group ${i}` : NAMES[kind], opts);
    });
    this.id = native.optimCreate(
      kind,
      this.groups.map((g) => {
        const { params: ps, name: _name, ...opts } = g;
        return { ...opts, params: ps.map((p) => p._h) };
      }),
    );
  }

  /** Applies one update from the accumulated gradients. */
  step(): void {
    native.optimStep(this.id);
  }

  /** Drops every gradient (set to none, as PyTorch 2.x). */
  zeroGrad(): void {
    native.optimZeroGrad(this.id);
  }

  /** Learning rate of each group. */
  get lrs(): number[] {
    return this.groups.map((_, i) => native.optimGetGroup(this.id, i).lr);
  }

  getLr(group = 0): number {
    return native.optimGetGroup(this.id, group).lr;
  }

  /** Sets one group's learning rate; cheap enough for every step. */
  setLr(group: number, lr: number): void {
    checkHyperparameters(`${NAMES[this.kind]} setLr`, { lr });
    native.optimSetLr(this.id, group, lr);
  }

  /** Sets every group's learning rate (a number for all, or one per group). */
  setLrs(lrs: number | number[]): void {
    if (typeof lrs !== 'number' && lrs.length !== this.groups.length) {
      throw new ArgumentError(`${NAMES[this.kind]} setLrs: expected ${this.groups.length} learning rates (one per group), got ${lrs.length}`);
    }
    for (let i = 0; i < this.groups.length; i++) this.setLr(i, typeof lrs === 'number' ? lrs : lrs[i]);
  }

  /** Changes any of a group's hyperparameters (weight decay, momentum, betas …). */
  setGroup(group: number, options: NativeGroupOptions): void {
    checkHyperparameters(`${NAMES[this.kind]} parameter group ${group}`, { ...this.getGroup(group), ...options });
    native.optimSetGroup(this.id, group, options);
  }

  getGroup(group: number): Required<NativeGroupOptions> {
    const { size: _size, ...rest } = native.optimGetGroup(this.id, group);
    return rest;
  }

  /** A snapshot of the optimizer (the caller disposes its tensors). */
  stateDict(): OptimizerState {
    const raw = native.optimGetState(this.id);
    const tensors: Record<string, Tensor> = {};
    const steps: number[] = [];
    raw.forEach((s, i) => {
      steps.push(s.step);
      for (const key of ['momentum_buffer', 'exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'] as const) {
        const h = s[key];
        if (h !== undefined) tensors[`${i}.${key}`] = new Tensor(h);
      }
    });
    return { kind: this.kind, groups: this.groups.map((_, i) => this.getGroup(i)), tensors, steps };
  }

  /** Restores a snapshot taken with stateDict() from an optimizer over the same parameters. */
  loadStateDict(state: OptimizerState): void {
    if (state.kind !== this.kind) throw new ArgumentError(`optimizer state is for ${state.kind}, this optimizer is ${this.kind}`);
    if (state.groups.length !== this.groups.length) throw new ArgumentError(`optimizer state has ${state.groups.length} groups, this optimizer has ${this.groups.length}`);
    const entries: NativeParamState[] = state.steps.map((step, i) => {
      const e: NativeParamState = { step };
      for (const key of ['momentum_buffer', 'exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'] as const) {
        const t = state.tensors[`${i}.${key}`];
        if (t) e[key] = t._h;
      }
      return e;
    });
    native.optimSetState(this.id, entries);
    // Group hyperparameters are saved and restored by us: libtorch's own
    // serializer forgets group learning rates on 1.13.
    state.groups.forEach((g, i) => native.optimSetGroup(this.id, i, g));
  }

  /** All parameters across groups, in order. */
  parameters(): Tensor[] {
    return this.groups.flatMap((g) => g.params);
  }

  dispose(): void {
    if (this.id >= 0) native.optimDispose(this.id);
    this.id = -1;
  }
}
