// Messages of the views that look inside a trained model (explain a head, next-token
// probabilities, embedding map, the encoder-decoder, named heads). Same rules as
// protocol.ts: every request has an id and exactly one final reply of that id (or an
// 'error'); streamed messages carry the id meanwhile. Every number in a reply was
// computed by @attn/inspect in the worker; the page only lays it out.
import type { CorefScore, EmbeddingMap, HeadExplanation, InductionScore, SamplingView, TranslationAccuracy } from '@attn/inspect';

/** The sampling settings the sliders set (@attn/inspect's SamplingSettings, all given). */
export interface SliderSettings {
  /** 0 = greedy, else divide the logits by it. */
  temperature: number;
  /** Keep the k most likely tokens (the vocabulary size keeps all). */
  topK: number;
  /** Keep the smallest set of most likely tokens whose mass reaches p, in (0, 1]. */
  topP: number;
}

/** Which tokens the embedding map shows (see the 'embeddings' request). */
export type EmbeddingSubset = 'all' | 'nouns' | 'text';
/**
 * Vocabularies larger than this are mapped by a text's tokens and their neighbours, not whole: a
 * map of a few hundred labels is a blot (the shipped models have 65 characters and 130 words;
 * a byte-level BPE has 256 byte tokens before its first merge, GPT-2 50,257 tokens).
 */
export const LARGE_VOCABULARY = 256;
/** Distinct tokens of a text the 'text' map takes (with 5 neighbours each, at most 6 times as many points). */
export const EMBEDDING_TEXT_TOKENS = 12;

/** The tasks the worker trains models for itself (besides the page's language model). */
export type TaskName = 'date' | 'induction';

/** A translation with the cross-attention behind each output character. */
export interface TranslationView {
  /** The output characters. */
  output: string[];
  logProb: number;
  /** cross[layer][head][output position][input position]. */
  cross: number[][][][];
}

export type InspectRequest =
  /** One head of a GPT explained for a query token (source as in 'attention'). */
  | { type: 'explainHead'; id: number; source: string; text: string; layer: number; head: number; query: number }
  /** The next-token distribution after `prompt` under the settings; the logits of the last prompt are cached. */
  | { type: 'nextTokens'; id: number; source: string; prompt: string; settings: SliderSettings; show: number }
  /** Generates with the settings, streaming 'sampled' messages (each with its step's distribution). */
  | { type: 'sample'; id: number; source: string; prompt: string; settings: SliderSettings; show: number; maxTokens: number; seed: number }
  | { type: 'stopSample'; id: number }
  /**
   * The token embeddings projected to 2-D: 'all' every token (a vocabulary up to LARGE_VOCABULARY);
   * 'nouns' the coreference model's 'fit' nouns, grouped; 'text' the distinct tokens of `text` (the
   * first EMBEDDING_TEXT_TOKENS) and each one's nearest tokens in the whole vocabulary.
   */
  | { type: 'embeddings'; id: number; source: string; subset: EmbeddingSubset; text?: string }
  /** Scores the coreference checkpoint's heads on `sentences` held-out sentences. */
  | { type: 'corefHeads'; id: number; sentences: number }
  /** Trains the worker's model for a task (a new one when there is none), streaming 'progress' like 'train'. */
  | { type: 'taskTrain'; id: number; task: TaskName; steps: number }
  | { type: 'taskStop'; id: number }
  /** Held-out exact-match accuracy of the date model, greedy and with a beam. */
  | { type: 'dateAccuracy'; id: number; examples: number; beamWidth: number }
  /** Translates a date with greedy decoding and with beam search, with the cross-attention. */
  | { type: 'translate'; id: number; text: string; beamWidth: number }
  /** The induction model's heads: scored on held-out repeated sequences of its own period and of a shorter one. */
  | { type: 'inductionHeads'; id: number; sequences: number };

export type InspectReply =
  | {
      type: 'explanation';
      id: number;
      explanation: HeadExplanation;
      /** The head's whole attention pattern [query][key] for the sentence (row queryIndex is the one explained). */
      pattern: number[][];
    }
  | {
      type: 'nextTokensResult';
      id: number;
      view: SamplingView;
      /** The label of each token of view.tokens. */
      labels: string[];
      /** The prompt as the model read it. */
      promptLabels: string[];
      vocabSize: number;
    }
  /** One generated token, with the distribution it was drawn from (under the settings). */
  | {
      type: 'sampled';
      id: number;
      token: number;
      /** The token's label (a BPE piece's own text, or its bytes when they are not whole UTF-8). */
      label: string;
      /** The text it adds to the output ('' while a character's bytes are incomplete). */
      text: string;
      view: SamplingView;
      labels: string[];
    }
  | { type: 'sampleDone'; id: number; reason: string; tokens: number }
  | {
      type: 'embeddingsResult';
      id: number;
      map: EmbeddingMap;
      /** Group index per point, and the groups' names (null without groups). */
      groups: number[] | null;
      groupNames: string[] | null;
      /** For subset 'text': the first `typed` points are the text's tokens, the rest their neighbours (else 0). */
      typed: number;
    }
  | {
      type: 'corefHeadsResult';
      id: number;
      score: CorefScore;
      /** Held-out sentences to show, with the best head's attention pattern over each. */
      examples: Array<{ tokens: string[]; itIndex: number; referentIndex: number; distractorIndex: number; pattern: number[][] }>;
    }
  | { type: 'taskReady'; id: number; task: TaskName; step: number; steps: number; seconds: number; reason: 'steps' | 'stopped'; params: number; description: string }
  | { type: 'dateAccuracyResult'; id: number; greedy: Omit<TranslationAccuracy, 'results'>; beam: Omit<TranslationAccuracy, 'results'>; misses: Array<{ source: string; expected: string; greedy: string }> }
  | { type: 'translateResult'; id: number; input: string[]; greedy: TranslationView; beam: TranslationView; beamWidth: number }
  | {
      type: 'inductionResult';
      id: number;
      /** On held-out sequences repeated after the training period. */
      score: InductionScore;
      /** The same heads on sequences repeated after a shorter period (a head that only counts positions fails here). */
      shorter: InductionScore;
      /** Every head's pattern on score.sample: [layer][head][query][key]. */
      layers: number[][][][];
      labels: string[];
    };

/** Final reply type of each request type (client.ts merges this into its table). */
export interface InspectFinalReply {
  explainHead: 'explanation';
  nextTokens: 'nextTokensResult';
  sample: 'sampleDone';
  stopSample: 'ok';
  embeddings: 'embeddingsResult';
  corefHeads: 'corefHeadsResult';
  taskTrain: 'taskReady';
  taskStop: 'ok';
  dateAccuracy: 'dateAccuracyResult';
  translate: 'translateResult';
  inductionHeads: 'inductionResult';
}

/** Types of the streamed messages this protocol adds. */
export const INSPECT_STREAMED = ['sampled'] as const;

const REQUEST_TYPES: ReadonlySet<string> = new Set<keyof InspectFinalReply>([
  'explainHead',
  'nextTokens',
  'sample',
  'stopSample',
  'embeddings',
  'corefHeads',
  'taskTrain',
  'taskStop',
  'dateAccuracy',
  'translate',
  'inductionHeads',
]);

export function isInspectRequest(msg: { type: string }): msg is InspectRequest {
  return REQUEST_TYPES.has(msg.type);
}
