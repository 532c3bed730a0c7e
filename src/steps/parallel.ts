// How a step trains data-parallel: the process group, each rank's slice of
// the training batches, and the DataParallel callback. Steps pass this down
// unchanged; the loop and the loader know nothing of the playbook.
import type { ProcessGroup } from '../distributed/index.js';
import { DataParallel, type Callback, type RankStats } from '../train/index.js';

export interface Parallel {
  group: ProcessGroup;
  /** Polled every batch on every rank (Ctrl-C): all ranks stop after the same batch. */
  stopRequested?: () => boolean;
  /** Every rank's throughput and communication time after each epoch. */
  onRankStats?: (epoch: number, stats: RankStats[]) => void;
  /** Largest gradient bucket in bytes; default one bucket per step. */
  bucketCapBytes?: number;
}

/**
 * This rank's shard, or undefined in one process: a slice of every training
 * batch ('batch'), or a share of the whole pass for evaluation ('dataset').
 */
export function shardOf(p: Parallel | undefined, split: 'batch' | 'dataset' = 'batch'): { rank: number; worldSize: number; split: 'batch' | 'dataset' } | undefined {
  return p && p.group.worldSize > 1 ? { rank: p.group.rank, worldSize: p.group.worldSize, split } : undefined;
}

/** The callbacks that make a fit data-parallel (none in one process). */
export function parallelCallbacks(p: Parallel | undefined): Callback[] {
  if (!p || p.group.worldSize <= 1) return [];
  return [new DataParallel({ group: p.group, stopRequested: p.stopRequested, onRankStats: p.onRankStats, bucketCapBytes: p.bucketCapBytes })];
}
