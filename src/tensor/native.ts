// The typed face of the native addon: declares exactly what native/*.cc
// exports, and loads it — refusing, with a "rebuild" message, an addon built
// against a libtorch that has since been upgraded or removed.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NativeBuildError, errorClasses } from './errors.js';

/** An integer handle into the addon's tensor table. */
export type Handle = number;

/** Per-group optimizer hyperparameters, as the addon reads them. */
export interface NativeGroupOptions {
  lr?: number;
  weightDecay?: number;
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
  betas?: [number, number];
  eps?: number;
  amsgrad?: boolean;
}

export interface NativeGroupState extends Required<NativeGroupOptions> {
  size: number;
}

/** One parameter's optimizer state; tensors are handles to copies. */
export interface NativeParamState {
  step: number;
  momentum_buffer?: Handle;
  exp_avg?: Handle;
  exp_avg_sq?: Handle;
  max_exp_avg_sq?: Handle;
}

export interface NativeDistInit {
  host: string;
  port: number;
  rank: number;
  worldSize: number;
  timeoutMs: number;
  /** Which address Gloo binds: loopback (one machine), a hostname/address, an interface, or the machine's hostname. */
  device: 'loopback' | 'hostname' | 'interface' | 'default';
  deviceName?: string;
}

export interface NativeInfo {
  torchVersion: string;
  cudaCompiled: boolean;
  cudaAvailable: boolean;
  threads: number;
  parallelInfo: string;
}

export interface Native {
  // slots.cc
  dispose(...handles: Handle[]): void;
  liveTensors(): number;
  isLive(h: Handle): boolean;
  // ops.cc
  resolve(name: string, overload: string): number;
  call(op: number, ...args: unknown[]): unknown;
  callVoid(op: number, ...args: unknown[]): void;
  schema(op: number): string;
  listOps(): string[];
  // tensor_io.cc
  fromBuffer(data: ArrayBufferView | ArrayBuffer, shape: number[], dtype: number, device?: string): Handle;
  toBuffer(h: Handle): ArrayBuffer;
  meta(h: Handle): [dtype: number, shape: number[], device: string, requiresGrad: boolean];
  shape(h: Handle): number[];
  dtype(h: Handle): number;
  numel(h: Handle): number;
  item(h: Handle): number | boolean;
  // autograd.cc
  backward(h: Handle, grad: Handle | null, retainGraph?: boolean, createGraph?: boolean): void;
  grad(h: Handle): Handle | null;
  setGrad(h: Handle, grad: Handle | null): void;
  setRequiresGrad(h: Handle, value: boolean): void;
  requiresGrad(h: Handle): boolean;
  isLeaf(h: Handle): boolean;
  setGradEnabled(enabled: boolean): boolean;
  isGradEnabled(): boolean;
  // runtime.cc
  manualSeed(seed: number): void;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  getRngState(): Handle;
  setRngState(h: Handle): void;
  cudaDeviceCount(): number;
  info(): NativeInfo;
  // optim.cc
  optimCreate(kind: 'sgd' | 'adam' | 'adamw', groups: Array<NativeGroupOptions & { params: Handle[] }>): number;
  optimStep(id: number): void;
  optimZeroGrad(id: number): void;
  optimSetLr(id: number, group: number, lr: number): void;
  optimSetGroup(id: number, group: number, options: NativeGroupOptions): void;
  optimGetGroup(id: number, group: number): NativeGroupState;
  optimGetState(id: number): NativeParamState[];
  optimSetState(id: number, state: NativeParamState[]): void;
  optimDispose(id: number): void;
  clipGradNorm(params: Handle[], maxNorm: number, normType?: number): number;
  clipGradValue(params: Handle[], clipValue: number): void;
  gradNorms(params: Handle[]): Array<number | null>;
  gradsFinite(params: Handle[]): boolean;
  // distributed.cc (c10d: TCPStore + ProcessGroupGloo; one group per Node environment)
  distCapabilities(): { gloo: boolean; nccl: boolean };
  distInit(o: NativeDistInit): void;
  distDestroy(): void;
  distInfo(): { rank: number; worldSize: number; backend: string } | null;
  /** In place, summed (or max/min/product) over ranks, one collective per dtype bucket. */
  distAllreduce(tensors: Handle[], op?: 'sum' | 'max' | 'min' | 'product', bucketCapBytes?: number): void;
  /** Gradients of `params` × weight, summed over ranks, ÷ Σ weight; returns [...Σ extras, Σ weight]. */
  distAllreduceGrads(params: Handle[], weight: number, extras: number[], bucketCapBytes?: number): number[];
  distBroadcast(tensors: Handle[], root: number): void;
  distBarrier(): void;
  distStoreSet(key: string, value: string): void;
  distStoreGet(key: string): string;
  // addon.cc
  setErrorClasses(classes: Record<string, new (message: string) => Error>): void;
}

function packageRoot(): string {
  // dist/src/tensor/native.js or src/tensor/native.ts: walk up to package.json.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'binding.gyp'))) return dir;
    dir = dirname(dir);
  }
  throw new NativeBuildError('cannot find the sixstep package root (binding.gyp)');
}

interface BuildStamp {
  libtorch: { source: string; version: { major: number; minor: number; patch: number }; fingerprint: { file: string; size: number; mtimeMs: number } };
}

/** Throws NativeBuildError unless the addon under `root` was built against the libtorch now installed. */
export function checkBuildStamp(root: string): void {
  const stampFile = join(root, 'build', 'sixstep-build.json');
  const addon = join(root, 'build', 'Release', 'sixstep.node');
  if (!existsSync(addon) || !existsSync(stampFile)) {
    throw new NativeBuildError(`the native addon is not built (${addon} is missing): run \`npm run build:native\` (or \`npm run setup\`)`);
  }
  const stamp = JSON.parse(readFileSync(stampFile, 'utf8')) as BuildStamp;
  const fp = stamp.libtorch.fingerprint;
  const v = stamp.libtorch.version;
  const built = `${v.major}.${v.minor}.${v.patch}`;
  let now: { size: number; mtimeMs: number } | null = null;
  try {
    const st = statSync(fp.file);
    now = { size: st.size, mtimeMs: Math.round(st.mtimeMs) };
  } catch {
    now = null;
  }
  if (!now || now.size !== fp.size || now.mtimeMs !== fp.mtimeMs) {
    throw new NativeBuildError(
      `libtorch changed since the addon was built (built against libtorch ${built} at ${fp.file}, ` +
        `${now ? 'which has been replaced' : 'which is gone'}): rebuild with \`npm run build:native\``,
    );
  }
}

function load(): Native {
  const root = packageRoot();
  checkBuildStamp(root);
  const require = createRequire(import.meta.url);
  let addon: Native;
  try {
    addon = require(join(root, 'build', 'Release', 'sixstep.node')) as Native;
  } catch (e) {
    throw new NativeBuildError(
      `the native addon failed to load (${(e as Error).message.split('\n')[0]}): rebuild with \`npm run build:native\``,
    );
  }
  addon.setErrorClasses(errorClasses);
  return addon;
}

export const native: Native = load();
