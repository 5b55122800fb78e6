// Training data for the CLI: a character-level text (corpus or file) or the
// sentence-aligned coreference language.
import { CORPORA, createCorefLanguage, type CorefExample, type CorefLanguage, createRng, loadCorpus, loadTextFile, sampleBatch } from '@attn/datasets';
import { CharTokenizer } from '@attn/tokenizer';
import { type Codec, charCodec, wordCodec } from './codec.js';
import { fail } from './errors.js';
import type { StepBatch } from './train-loop.js';

/** Model sizes by name. Every field is a GPTConfig field; vocabSize comes from the data. */
export const MODEL_CONFIGS = {
  /** 2 layers, 4 heads, 64 wide, 64-character context: trains in a minute on 2 cores. */
  tiny: { nLayer: 2, nHead: 4, nEmbd: 64, blockSize: 64 },
  /** nanoGPT's Shakespeare-char CPU config (0.8M parameters). */
  nano: { nLayer: 4, nHead: 4, nEmbd: 128, blockSize: 64 },
  /** 6 layers, 6 heads, 192 wide, 128-character context. */
  small: { nLayer: 6, nHead: 6, nEmbd: 192, blockSize: 128 },
} as const;
export type ConfigName = keyof typeof MODEL_CONFIGS;

/** A source of training batches and a held-out loss. */
export interface TrainingData {
  /** Shown in progress lines and saved in train.json. */
  name: string;
  codec: Codec;
  /** Context length the data needs (sentence length for coref). */
  blockSize: number;
  nextBatch(batch: number, blockSize: number): StepBatch;
  /** A fixed held-out batch for evaluation. */
  validation(batch: number, blockSize: number): StepBatch;
}

/** Character-level data from a corpus name or a file; the last 10% is held out. */
export function textData(opts: { corpus?: string; file?: string; blockSize: number; seed: number; codec?: Codec }): TrainingData {
  let text: string;
  let name: string;
  if (opts.file !== undefined) {
    try {
      text = loadTextFile(opts.file);
    } catch (e) {
      fail(`--data ${(e as Error).message.split('\n')[0]}`);
    }
    name = opts.file;
  } else {
    const corpus = opts.corpus ?? 'shakespeare';
    if (!(corpus in CORPORA)) fail(`--corpus: expected one of ${[...Object.keys(CORPORA), 'coref'].join(', ')}, got '${corpus}'`);
    text = loadCorpus(corpus);
    name = corpus;
  }
  if (text.length === 0) fail(`${name}: the text is empty; training needs at least ${opts.blockSize + 2} characters`);
  const split = Math.floor(text.length * 0.9);
  const minimum = 2 * (opts.blockSize + 1);
  if (text.length < minimum) {
    fail(`${name}: ${text.length} characters is shorter than one training window plus a held-out window (${minimum} for blockSize ${opts.blockSize})`);
  }
  const codec = opts.codec ?? charCodec(CharTokenizer.fromText(text));
  const ids = Int32Array.from(codec.encode(text));
  // Short texts keep one window for validation even when 10% would be smaller.
  const cut = Math.min(split, ids.length - (opts.blockSize + 1));
  const train = ids.subarray(0, cut);
  const val = ids.subarray(cut);
  const rng = createRng(opts.seed);
  const valRng = createRng(opts.seed + 1);
  const fixedVal = (batch: number, blockSize: number) => ({ ...sampleBatch(val, batch, blockSize, valRng), batch });
  let cached: StepBatch | null = null;
  return {
    name,
    codec,
    blockSize: opts.blockSize,
    nextBatch: (batch, blockSize) => ({ ...sampleBatch(train, batch, blockSize, rng), batch }),
    validation(batch, blockSize) {
      cached ??= fixedVal(batch, blockSize);
      return cached;
    },
  };
}

/** The coreference language: one sentence per row, padded with <pad> (targets -100). */
export function corefData(seed: number): TrainingData & { lang: CorefLanguage; rows(examples: CorefExample[], blockSize: number): StepBatch } {
  const lang = createCorefLanguage({ seed: 0 });
  const codec = wordCodec(lang.vocabulary.tokens);
  const blockSize = 20; // longest sentence: 16 words with modifiers and the trailing "."
  const rows = (examples: CorefExample[], T: number): StepBatch => {
    const x = new Int32Array(examples.length * T); // (B, T), <pad> = 0
    const y = new Int32Array(examples.length * T).fill(-100); // (B, T)
    examples.forEach((ex, b) => {
      const ids = lang.vocabulary.encode(ex.tokens);
      const n = Math.min(ids.length, T + 1);
      for (let t = 0; t < n - 1; t++) {
        x[b * T + t] = ids[t];
        y[b * T + t] = ids[t + 1];
      }
    });
    return { x, y, batch: examples.length };
  };
  let counter = 0;
  let cached: StepBatch | null = null;
  return {
    name: 'coref',
    codec,
    blockSize,
    lang,
    rows,
    nextBatch: (batch, T) => rows(lang.generate('train', batch, seed * 100003 + counter++), T),
    validation(batch, T) {
      cached ??= rows(lang.generate('heldout', batch, seed + 7), T);
      return cached;
    },
  };
}
