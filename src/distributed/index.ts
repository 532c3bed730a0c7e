// Beyond one process: c10d process groups, the torchrun-style launcher and
// the agreed clock that keeps ranks' decisions identical.
export { ProcessGroup, type ProcessGroupOptions, type ReduceOp, type CommStats } from './process_group.js';
export { rankFromEnv, type RankEnv } from './env.js';
export { agreedClock, agreedFlag, type Clock } from './agree.js';
export { launch, parseMaster, type LaunchOptions, type LaunchResult, type RankExit } from './launch.js';
