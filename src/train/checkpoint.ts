// Checkpoints a run can resume from: weights, optimizer state, schedule
// position, random state and history in one safetensors file, written to a
// temporary file, fsynced and renamed (the previous one kept as a fallback),
// so a crash mid-write never leaves a half checkpoint.
import { existsSync, renameSync, openSync, fsyncSync, closeSync, writeFileSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Tensor, getRngState, setRngState, encodeSafetensors, decodeSafetensors, dispose } from '../tensor/index.js';
import type { Callback } from './callback.js';
import type { Learner } from './learner.js';
import type { StepSchedule } from './schedule.js';
import { Recorder } from './recorder.js';

interface CheckpointMeta {
  version: 1;
  /** The next epoch to run. */
  epoch: number;
  step: number;
  optimizer: { kind: string; groups: unknown[]; steps: number[] };
  schedule: unknown;
  recorder: ReturnType<Recorder['toJSON']> | null;
  history: Learner['history'];
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
export function saveCheckpoint(l: Learner, file: string, schedule?: StepSchedule | null): void {
  const opt = l.optimizer.stateDict();
  const rng = getRngState();
  try {
    const tensors: Record<string, Tensor> = { 'rng.cpu': rng };
    for (const [k, v] of Object.entries(l.model.stateDict())) tensors[`model.${k}`] = v;
    for (const [k, v] of Object.entries(opt.tensors)) tensors[`optimizer.${k}`] = v;
    const rec = l.getCallback(Recorder);
    const meta: CheckpointMeta = {
      version: 1,
      epoch: l.epoch + 1,
      step: l.step,
      optimizer: { kind: opt.kind, groups: opt.groups, steps: opt.steps },
      schedule: schedule ? schedule.stateDict() : null,
      recorder: rec ? rec.toJSON() : null,
      history: l.history,
    };
    const tmp = `${file}.tmp-${process.pid}`;
    writeFileSync(tmp, encodeSafetensors(tensors, { sixstep: JSON.stringify(meta) }));
    fsyncPath(tmp);
    if (existsSync(file)) renameSync(file, `${file}.prev`);
    renameSync(tmp, file);
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
export function loadCheckpoint(l: Learner, file: string, schedule?: StepSchedule | null): { file: string; epoch: number } {
  let used = file;
  let decoded: ReturnType<typeof decodeSafetensors>;
  try {
    decoded = decodeSafetensors(readFileSync(file), file);
  } catch (e) {
    const prev = `${file}.prev`;
    if (!existsSync(prev)) throw e;
    used = prev;
    decoded = decodeSafetensors(readFileSync(prev), prev);
  }
  const { tensors, metadata } = decoded;
  try {
    const meta = JSON.parse(metadata.sixstep ?? 'null') as CheckpointMeta | null;
    if (!meta || meta.version !== 1) throw new Error(`${used}: not a sixstep checkpoint`);
    const model: Record<string, Tensor> = {};
    const optim: Record<string, Tensor> = {};
    for (const [k, v] of Object.entries(tensors)) {
      if (k.startsWith('model.')) model[k.slice(6)] = v;
      else if (k.startsWith('optimizer.')) optim[k.slice(10)] = v;
    }
    l.model.loadStateDict(model);
    l.optimizer.loadStateDict({ kind: meta.optimizer.kind, groups: meta.optimizer.groups as any, steps: meta.optimizer.steps, tensors: optim });
    if (schedule && meta.schedule !== null) schedule.loadStateDict(meta.schedule);
    setRngState(tensors['rng.cpu']);
    const rec = l.getCallback(Recorder);
    if (rec && meta.recorder) rec.load(meta.recorder);
    l.history.splice(0, l.history.length, ...meta.history);
    l.step = meta.step;
    l.startEpoch = meta.epoch;
    return { file: used, epoch: meta.epoch };
  } finally {
    dispose(tensors);
  }
}

/** Saves a checkpoint after every epoch (and at the end of the fit). */
export class CheckpointCallback implements Callback {
  readonly name = 'checkpoint';
  readonly order = 90;
  constructor(readonly file: string, readonly schedule: StepSchedule | null = null) {}
  afterEpoch(l: Learner): void {
    if (l.lastEpoch) saveCheckpoint(l, this.file, this.schedule);
  }
}
