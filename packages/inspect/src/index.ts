// @attn/inspect: what a trained transformer does, as plain numbers both the CLI and the web
// demo show. Model-level functions are async (they read tensors with `await data()`, which
// works on every backend, WebGPU included); functions of plain arrays are synchronous.
export { InspectError } from './errors.js';
export { gptHooks, transformerHooks } from './names.js';
export {
  type ActivationCache,
  type ActivationFilter,
  type HostTensor,
  headRows,
  inEvalMode,
  makeCache,
  positionRow,
  readActivations,
  readTensor,
  runWithCache,
} from './cache.js';
export { type AttentionMaps, attentionMaps, headsOf } from './attention.js';
export { largest, nextTokens, type TokenProbability, topTokens } from './next-token.js';
export { type LogitLensLayer, type LogitLensOptions, logitLens, logitLensFromCache, logitLensStreams } from './logit-lens.js';
export {
  bestPossibleScore,
  type DetectionOptions,
  detectHeads,
  detectionPattern,
  duplicateTokenPattern,
  type ErrorMeasure,
  HEAD_KINDS,
  type HeadKind,
  type HeadScores,
  headSimilarity,
  inductionPattern,
  previousTokenPattern,
  type RepeatedTokensOptions,
  repeatedRandomTokens,
  scoreHeads,
} from './head-detector.js';
export { type InspectPromptOptions, inspectPrompt, type PromptInspection } from './inspect-prompt.js';
export {
  attendOnce,
  excerpt,
  type ExplanationStep,
  type HeadExplanation,
  type MatrixExcerpt,
  softmax64,
  stepNames,
} from './explanation.js';
export { type ExplainHeadOptions, explainHead, layerNorm64 } from './explain-head.js';
export { exampleExplanation, isSeedSentence, randomHeadExample, workedExample, words } from './worked-example.js';
export { type SampledToken, type SamplingSettings, type SamplingView, samplingProcessors, samplingView } from './sampling.js';
export {
  cosineSimilarity,
  type EmbeddingMap,
  type EmbeddingMapOptions,
  embeddingMap,
  type GroupSeparation,
  groupSeparation,
  type Neighbour,
  type TokenGroup,
  tokenEmbeddings,
} from './embedding-map.js';
export { type NearestTokensOptions, type NearToken, nearestTokens } from './nearest-tokens.js';
export { type AttendedTranslation, crossAttentionMaps, translateWithAttention } from './cross-attention.js';
export {
  type CorefExampleLike,
  type CorefScore,
  corefScore,
  type HeadRanking,
  type InductionScore,
  type InductionScoreOptions,
  inductionScore,
  type PointerExample,
  pointerScore,
} from './named-heads.js';
export { type TranslationAccuracy, type TranslationExample, translationAccuracy } from './translation-accuracy.js';
