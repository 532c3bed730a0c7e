// The training loop and its callbacks.
export { Learner, evaluateModel, type LearnerOptions, type Batch, type BatchSource, type LossFunction, type EpochResult } from './learner.js';
export { EVENTS, type EventName } from './events.js';
export type { Callback } from './callback.js';
export { CancelBatch, CancelTrain, CancelValidate, CancelEpoch, CancelFit } from './cancel.js';
export { Recorder, type StepRecord } from './recorder.js';
export { accuracy, labelAccuracy, mae, rmse, finishMetric, type Metric } from './metrics.js';
export { saveCheckpoint, loadCheckpoint, readCheckpointInfo, CheckpointCallback } from './checkpoint.js';
export { bestEpoch, beatsBest } from './best_epoch.js';
export type { StepSchedule } from './schedule.js';
export { ScheduleCallback } from './callbacks/schedule.js';
export { GradClip, type GradClipOptions } from './callbacks/grad_clip.js';
export { lrFind, type LrFinderOptions, type LrFinderResult } from './lr_finder.js';
export { suggest, steep, valley, minimum, slide, seedPick, judgeFinderCurve, LrFinderTooShort, type Suggestion, type Suggestions, type FinderRule, type FinderReading } from './lr_suggestions.js';
export { NanGuard, DivergenceError, type NanGuardOptions } from './callbacks/nan_guard.js';
export { GradNormMonitor } from './callbacks/grad_monitor.js';
export { GradWatch, type GradWatchOptions, type GradWatchEvent } from './callbacks/grad_watch.js';
export { KeepBest, type KeepBestOptions } from './callbacks/keep_best.js';
export { ValidationMetrics } from './callbacks/validation_metrics.js';
export { Deadline } from './callbacks/deadline.js';
export { PacedSchedule, type PacedScheduleOptions, type PaceReading } from './callbacks/paced_schedule.js';
export {
  layerGroups, freeze, unfreeze, frozenBatchNorm, recalibrateBatchNorm, loadPretrained, groupLrs, discriminativeParamGroups, fineTune, gradualUnfreeze, describeGroups,
  type LayerGroup, type LayerGroupSpec, type GroupedModule, type FreezeOptions, type LoadPretrainedOptions, type LoadPretrainedReport, type GroupLrs, type FineTuneOptions, type FineTuneResult, type GradualUnfreezeOptions,
} from './transfer.js';
export { DataParallel, type DataParallelOptions, type RankStats } from './callbacks/data_parallel.js';
export { TripletSampler, indicesByClass, type TripletSamplerOptions } from './triplet_sampler.js';
export { ExponentialMovingAverage, emaDecayFor, type EmaOptions } from './callbacks/ema.js';
