// @attn/train: losses, optimisers, schedules, clipping, checkpoints and the training loop.
export { IGNORE_INDEX, lmLoss, perplexity } from './loss.js';
export { constantLr, type CosineScheduleConfig, type LrSchedule, warmupCosineLr } from './schedule.js';
export { clipGradNorm, gradNorm } from './clip.js';
export { defaultDecays, type NamedParameter, nameParameters } from './param-groups.js';
export { Optimizer } from './optimizer.js';
export { AdamW, type AdamWConfig } from './adamw.js';
export { SGD, type SGDConfig } from './sgd.js';
export { loadTrainingCheckpoint, saveTrainingCheckpoint, type TrainingPosition } from './checkpoint.js';
export { type EvalInfo, type StepInfo, train, type TrainableLM, type TrainOptions, type TrainResult } from './train.js';
