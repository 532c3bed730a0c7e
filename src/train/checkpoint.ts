// Checkpoints a run can resume from: weights, optimizer state, schedule
// position, random state and history in one safetensors file, written to a
// temporary file, fsynced and renamed (the previous one kept as a fallback),
// so a crash mid-write never leaves a half checkpoint. A KeepBest callback's
// best weights travel with it (a resumed run keeps its best model), and so does
// the caller's own resume information (`info`), so the two can never disagree.
import { existsSync, renameSync, openSync, fsyncSync, closeSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Tensor, getRngState, setRngState, encodeSafetensors, decodeSafetensors, dispose } from '../tensor/index.js';
import type { Callback } from './callback.js';
import type { Learner } from './learner.js';
import type { StepSchedule } from './schedule.js';
import { Recorder } from './recorder.js';
import { KeepBest } from './callbacks/keep_best.js';
import { writeAtomic } from '../files/index.js';

interface CheckpointMeta {
  version: 1;
  /** The next epoch to run. */
  epoch: number;
  step: number;
  optimizer: { kind: string; groups: unknown[]; steps: number[] };
  schedule: unknown;
  recorder: ReturnType<Recorder['toJSON']> | null;
  history: Learner['history'];
  /** The KeepBest callback's best epoch and loss; its weights are the `best.` tensors. */
  best?: { epoch: number; loss: number; value?: number } | null;
  /** What the caller needs beside the learner's state to continue (its phase, optimizer kind …). */
  info?: unknown;
}

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes a checkpoint of the learner atomically to `file`. */
export function saveCheckpoint(l: Learner, file: string, schedule?: StepSchedule | null, info?: unknown): void {
  const opt = l.optimizer.stateDict();
  const rng = getRngState();
  try {
    const tensors: Record<string, Tensor> = { 'rng.cpu': rng };
    for (const [k, v] of Object.entries(l.model.stateDict())) tensors[`model.${k}`] = v;
    for (const [k, v] of Object.entries(opt.tensors)) tensors[`optimizer.${k}`] = v;
    const keepBest = l.getCallback(KeepBest);
    const bestWeights = keepBest?.bestWeights;
    if (bestWeights) for (const [k, v] of Object.entries(bestWeights)) tensors[`best.${k}`] = v;
    const rec = l.getCallback(Recorder);
    const meta: CheckpointMeta = {
      version: 1,
      epoch: l.epoch + 1,
      step: l.step,
      optimizer: { kind: opt.kind, groups: opt.groups, steps: opt.steps },
      schedule: schedule ? schedule.stateDict() : null,
      recorder: rec ? rec.toJSON() : null,
      history: l.history,
      best: bestWeights ? { epoch: keepBest!.bestEpoch, loss: keepBest!.bestLoss, value: keepBest!.bestValue } : null,
      info: info ?? null,
    };
    // Written whole under the next name first (writeAtomic: a full disk leaves nothing half-written), then rotated in.
    const next = `${file}.next`;
    writeAtomic(next, encodeSafetensors(tensors, { sixstep: JSON.stringify(meta) }));
    if (existsSync(file)) renameSync(file, `${file}.prev`);
    renameSync(next, file);
    fsyncPath(dirname(file));
  } finally {
    rng.dispose();
    dispose(opt.tensors);
  }
}

/**
 * Restores a learner (and schedule) from a checkpoint; the next fit()
 * continues with the epoch after the saved one. Falls back to the previous
 * checkpoint when the latest is unreadable.
 */
function decodeCheckpoint(file: string): { used: string; decoded: ReturnType<typeof decodeSafetensors> } {
  try {
    return { used: file, decoded: decodeSafetensors(readFileSync(file), file) };
  } catch (e) {
    const prev = `${file}.prev`;
    if (!existsSync(prev)) throw e;
    return { used: prev, decoded: decodeSafetensors(readFileSync(prev), prev) };
  }
}

/** The caller's `info` and the epoch to continue from, read without a learner (the same file loadCheckpoint would use). */
export function readCheckpointInfo(file: string): { file: string; epoch: number; info: unknown } | null {
  if (!existsSync(file) && !existsSync(`${file}.prev`)) return null;
  const { used, decoded } = decodeCheckpoint(file);
  try {
    const meta = JSON.parse(decoded.metadata.sixstep ?? 'null') as CheckpointMeta | null;
    if (!meta || meta.version !== 1) throw new Error(`${used}: not a sixstep checkpoint`);
    return { file: used, epoch: meta.epoch, info: meta.info ?? null };
  } finally {
    dispose(decoded.tensors);
  }
}

export function loadCheckpoint(l: Learner, file: string, schedule?: StepSchedule | null): { file: string; epoch: number; info: unknown } {
  const { used, decoded } = decodeCheckpoint(file);
  const { tensors, metadata } = decoded;
  try {
    const meta = JSON.parse(metadata.sixstep ?? 'null') as CheckpointMeta | null;
    if (!meta || meta.version !== 1) throw new Error(`${used}: not a sixstep checkpoint`);
    const model: Record<string, Tensor> = {};
    const optim: Record<string, Tensor> = {};
    const best: Record<string, Tensor> = {};
    for (const [k, v] of Object.entries(tensors)) {
      if (k.startsWith('model.')) model[k.slice(6)] = v;
      else if (k.startsWith('optimizer.')) optim[k.slice(10)] = v;
      else if (k.startsWith('best.')) best[k.slice(5)] = v;
    }
    const keepBest = l.getCallback(KeepBest);
    if (keepBest && meta.best) keepBest.setWeights(best, meta.best.epoch, meta.best.loss, meta.best.value ?? meta.best.loss);
    l.model.loadStateDict(model);
    l.optimizer.loadStateDict({ kind: meta.optimizer.kind, groups: meta.optimizer.groups as any, steps: meta.optimizer.steps, tensors: optim });
    if (schedule && meta.schedule !== null) schedule.loadStateDict(meta.schedule);
    setRngState(tensors['rng.cpu']);
    const rec = l.getCallback(Recorder);
    if (rec && meta.recorder) rec.load(meta.recorder);
    l.history.splice(0, l.history.length, ...meta.history);
    l.step = meta.step;
    l.startEpoch = meta.epoch;
    return { file: used, epoch: meta.epoch, info: meta.info ?? null };
  } finally {
    dispose(tensors);
  }
}

/** Saves a checkpoint after every epoch (and at the end of the fit). */
export class CheckpointCallback implements Callback {
  readonly name = 'checkpoint';
  readonly order = 90;
  constructor(readonly file: string, readonly schedule: StepSchedule | null = null, readonly info?: (l: Learner) => unknown) {}
  afterEpoch(l: Learner): void {
    if (l.lastEpoch) saveCheckpoint(l, this.file, this.schedule, this.info?.(l));
  }
}
