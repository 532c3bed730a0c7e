// A process group on PyTorch's c10d: ranks meet through a TCPStore served by
// rank 0, then talk through Gloo. One group per process; every collective is
// blocking and must be called by all ranks in the same order. Time spent in
// collectives is counted, so training can report its communication share.
import { native, type Handle } from '../tensor/native.js';
import { DistributedError } from '../tensor/errors.js';
import type { Tensor } from '../tensor/index.js';

export interface ProcessGroupOptions {
  /** Rank of this process, 0 … worldSize − 1. Rank 0 serves the rendezvous store. */
  rank: number;
  worldSize: number;
  /** Where rank 0's store listens; default 127.0.0.1. */
  masterAddr?: string;
  /** Default 29500 (torchrun's). */
  masterPort?: number;
  /** How long to wait for peers, at the rendezvous and in each collective; default 60 s. */
  timeoutMs?: number;
  /**
   * The address Gloo binds to: default 'loopback' when the master is on this
   * machine (127.0.0.1/localhost), else this machine's hostname; an interface
   * name from GLOO_SOCKET_IFNAME wins, as in PyTorch.
   */
  device?: { kind: 'loopback' | 'hostname' | 'interface' | 'default'; name?: string };
}

export type ReduceOp = 'sum' | 'max' | 'min' | 'product';

/** Seconds and calls spent in collectives since the group was created (or since reset). */
export interface CommStats {
  seconds: number;
  calls: number;
}

const handles = (ts: Tensor[]): Handle[] => ts.map((t) => t.handle);

let current: ProcessGroup | null = null;

export class ProcessGroup {
  readonly rank: number;
  readonly worldSize: number;
  readonly masterAddr: string;
  readonly masterPort: number;
  readonly stats: CommStats = { seconds: 0, calls: 0 };
  private destroyed = false;

  private constructor(rank: number, worldSize: number, addr: string, port: number) {
    this.rank = rank;
    this.worldSize = worldSize;
    this.masterAddr = addr;
    this.masterPort = port;
  }

  /** Whether this build can form a process group (Gloo headers were there at build time). */
  static available(): boolean {
    return native.distCapabilities().gloo;
  }

  /** The group this process joined, if any. */
  static current(): ProcessGroup | null {
    return current;
  }

  /** Joins the group: blocks until all worldSize ranks arrived, or throws DistributedError after the timeout. */
  static init(o: ProcessGroupOptions): ProcessGroup {
    if (current) throw new DistributedError('this process already belongs to a process group');
    const addr = o.masterAddr ?? '127.0.0.1';
    const port = o.masterPort ?? 29500;
    const timeoutMs = o.timeoutMs ?? 60_000;
    const local = addr === '127.0.0.1' || addr === 'localhost' || addr === '::1';
    const ifname = process.env.GLOO_SOCKET_IFNAME;
    const device = o.device ?? (ifname ? { kind: 'interface' as const, name: ifname } : local ? { kind: 'loopback' as const } : { kind: 'default' as const });
    try {
      native.distInit({ host: addr, port, rank: o.rank, worldSize: o.worldSize, timeoutMs, device: device.kind, deviceName: device.name });
    } catch (e) {
      if (!(e instanceof DistributedError)) throw e;
      throw new DistributedError(
        `rank ${o.rank} of ${o.worldSize} could not meet the others at ${addr}:${port} within ${(timeoutMs / 1000).toFixed(0)} s ` +
          `(${e.message}): ${o.rank === 0 ? 'not every rank arrived — check that all were started, with the same --master and --nnodes' : 'is rank 0 running, and is the port reachable?'}`,
      );
    }
    current = new ProcessGroup(o.rank, o.worldSize, addr, port);
    return current;
  }

  private timed<T>(fn: () => T): T {
    this.check();
    const t0 = performance.now();
    try {
      return fn();
    } catch (e) {
      if (e instanceof DistributedError) throw new DistributedError(`rank ${this.rank} of ${this.worldSize}: ${e.message} — a peer died or stopped answering; the run stops here and can resume from its last checkpoint`);
      throw e;
    } finally {
      this.stats.seconds += (performance.now() - t0) / 1000;
      this.stats.calls++;
    }
  }

  private check(): void {
    if (this.destroyed) throw new DistributedError('the process group was destroyed');
  }

  /** Reduces the tensors in place over all ranks (one collective per dtype bucket). */
  allreduce(tensors: Tensor[], op: ReduceOp = 'sum', bucketCapBytes = 0): void {
    this.timed(() => native.distAllreduce(handles(tensors), op, bucketCapBytes));
  }

  /**
   * Replaces each parameter's gradient by the weighted mean over ranks
   * (Σ weightᵣ·gradᵣ / Σ weightᵣ) and returns the summed extras followed by
   * the summed weight.
   */
  allreduceGrads(params: Tensor[], weight: number, extras: number[] = [], bucketCapBytes = 0): number[] {
    return this.timed(() => native.distAllreduceGrads(handles(params), weight, extras, bucketCapBytes));
  }

  /** Copies rank `root`'s tensors into every rank's, in place. */
  broadcast(tensors: Tensor[], root = 0): void {
    this.timed(() => native.distBroadcast(handles(tensors), root));
  }

  barrier(): void {
    this.timed(() => native.distBarrier());
  }

  /** A small string in the rendezvous store (rank 0 decides, the others read). */
  set(key: string, value: string): void {
    this.timed(() => native.distStoreSet(key, value));
  }

  /** Waits (up to the timeout) for a key to be set, then returns it. */
  get(key: string): string {
    return this.timed(() => native.distStoreGet(key));
  }

  /** Leaves the group; later calls throw. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    native.distDestroy();
    if (current === this) current = null;
  }
}
