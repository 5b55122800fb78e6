// @attn/sample: composable sampling strategies, streaming generation over any
// IncrementalLM, beam search, and a by-name lookup for strategy packages.

export type { LogitsProcessor, SamplingStrategy, TokenChooser } from './strategy.js';
export { defineChooser, defineProcessor, isSamplingStrategy } from './strategy.js';
export { type Sampler, sampler } from './sampler.js';

export { greedy } from './greedy.js';
export { type MultinomialOptions, multinomial } from './multinomial.js';
export { temperature } from './temperature.js';
export { topK } from './top-k.js';
export { nucleusCount, nucleusSize, topP } from './top-p.js';
export { minP } from './min-p.js';
export { type RepetitionPenaltyOptions, repetitionPenalty } from './repetition-penalty.js';

export { argmax, idsByDescending, keepLargest, kthLargest, maskAllBut, softmax } from './math.js';
export { checkLogits, checkOptions, requireNumber } from './validate.js';

export type { DecodingState, IncrementalLM } from './model.js';
export {
  type GenerateOptions,
  type GenerateResult,
  type StopConditions,
  type StopReason,
  generate,
  generateSync,
} from './generate.js';
export { type BeamSearchOptions, type Hypothesis, beamSearch } from './beam-search.js';

export {
  type ImportModule,
  type LoadOptions,
  type SamplerOptions,
  type SpecsOptions,
  type StrategyFactory,
  loadSamplerByName,
  loadSamplerFromSpec,
  parseSamplerSpec,
  registerSampler,
  registeredSamplers,
  samplerFromSpecs,
  samplerPackageName,
} from './registry.js';
export { type ForkableDecodingState, type Seq2SeqLM, type TranslateOptions, type Translation, translate } from './translate.js';
