// @attn/train: the training engine (Trainer) and its parts: batch sources, losses,
// optimisers, schedules, clipping, training checkpoints, and train() on top.
export { IGNORE_INDEX, lmLoss, perplexity } from './loss.js';
export { constantLr, type CosineScheduleConfig, type LrSchedule, warmupCosineLr } from './schedule.js';
export { type ClipOptions, clipGradNorm, gradNorm } from './clip.js';
export { packScalars } from './readout.js';
export { defaultDecays, type NamedParameter, nameParameters } from './param-groups.js';
export { Optimizer } from './optimizer.js';
export { AdamW, type AdamWConfig } from './adamw.js';
export { SGD, type SGDConfig } from './sgd.js';
export { TrainingError } from './errors.js';
export { type BatchSource, fingerprint, type JsonValue } from './sources/batch-source.js';
export { type LanguageModel, type LMBatch, lmBatchLoss, tokenWindows, type TokenWindowsOptions } from './sources/token-windows.js';
export { sentenceRows, sentenceRowsSource, type SentenceRowsOptions } from './sources/sentence-rows.js';
export { type Seq2SeqBatch, seq2seqBatch, type Seq2SeqModel, seq2seqPairs, type Seq2SeqPairsOptions } from './sources/seq2seq-pairs.js';
export {
  type EvalInfo,
  type RunOptions,
  type RunResult,
  type StepInfo,
  type TrainableModel,
  Trainer,
  type TrainerConfig,
  trainerConfig,
  type TrainerOptions,
  type TrainerSnapshot,
  type TrainerState,
} from './trainer.js';
export {
  TRAINING_STATE_FILE,
  type TrainingState,
  type TrainingStateJson,
  trainingStateFromBytes,
  trainingStateToBytes,
  weightsFingerprint,
} from './training-state.js';
export {
  gptFiles,
  loadParameters,
  loadTrainingState,
  type ModelFiles,
  parameterFiles,
  saveTrainingCheckpoint,
  seq2seqFiles,
  trainingCheckpointFiles,
} from './checkpoint.js';
export { train, type TrainableLM, type TrainOptions, type TrainResult } from './train.js';
export { type TaskRunDefaults, type TaskRunSettings, taskRunSettings } from './tasks/run-settings.js';
export {
  DATE_RECIPE,
  type DateRecipe,
  dateHeldOut,
  dateModel,
  dateRunSettings,
  dateTaskData,
  dateTokenizer,
  dateTrainer,
  type HeldOutDate,
  heldOutMaxTokens,
} from './tasks/date.js';
export {
  type HalfLosses,
  INDUCTION_RECIPE,
  type InductionRecipe,
  inductionBlockSize,
  inductionHalfLosses,
  inductionModel,
  inductionRunSettings,
  inductionScoreOptions,
  inductionSource,
  inductionTestRows,
  inductionTrainer,
  inductionWalks,
} from './tasks/induction.js';
