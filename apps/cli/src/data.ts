// Training data for the CLI: a text (a corpus or a file; characters, or a byte-level BPE
// trained on it with --tokenizer bpe:N) as random windows, or the coreference language as
// one padded sentence per row. Each comes
// with its tokenizer and the @attn/train batch source the trainer draws from.
import { CORPORA, createCorefLanguage, type CorefLanguage, DataError, loadCorpus, loadTextFile } from '@attn/datasets';
import type { LanguageModel, LMBatch, BatchSource } from '@attn/train';
import { sentenceRowsSource, tokenWindows } from '@attn/train';
import { BpeTokenizer, type Tokenizer, WordTokenizer } from '@attn/tokenizer';
import { describeChoice, textTokenizer, type TokenizerChoice } from './commands/train-tokenizer.js';
import { fail } from './errors.js';

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

/** Data ready for the trainer. */
export interface TrainingData {
  /** A corpus name or the file path: shown in progress lines, and how --resume finds the data again. */
  name: string;
  tokenizer: Tokenizer;
  /** Context length the data needs (sentence length for coref). */
  blockSize: number;
  source: BatchSource<LanguageModel, LMBatch>;
}

export interface DataOptions {
  /** 'coref', a corpus name, or undefined with `file`. */
  corpus?: string;
  file?: string;
  /** Sequences per batch. */
  batch: number;
  /** Context length (text only; coref has its own). */
  blockSize: number;
  seed: number;
  /** The tokenizer of a checkpoint being resumed: text must encode with it. */
  tokenizer?: Tokenizer;
  /** For a fresh run on text: characters (default) or a BPE trained on the text. */
  tokenizerChoice?: TokenizerChoice;
}

export function loadTrainingData(o: DataOptions): TrainingData {
  if (o.corpus === 'coref' && o.tokenizerChoice && o.tokenizerChoice.kind !== 'char') {
    fail(`--tokenizer ${describeChoice(o.tokenizerChoice)}: the coref corpus is a language of words with its own word tokenizer; leave --tokenizer out`);
  }
  return o.corpus === 'coref' ? corefData(o.seed, o.batch, o.tokenizer) : textData(o);
}

/** Text from a corpus name or a file, as characters or BPE tokens; the last 10% is held out. */
function textData(o: DataOptions): TrainingData {
  let text: string;
  let name: string;
  if (o.file !== undefined) {
    try {
      text = loadTextFile(o.file);
    } catch (err) {
      if (err instanceof DataError) fail(`--data ${err.message}`); // missing, not a file, empty, not UTF-8
      throw err;
    }
    name = o.file;
  } else {
    const corpus = o.corpus ?? 'shakespeare';
    if (!(corpus in CORPORA)) fail(`--corpus: expected one of ${[...Object.keys(CORPORA), 'coref'].join(', ')}, got '${corpus}'`);
    text = loadCorpus(corpus);
    name = corpus;
  }
  const minimum = 2 * (o.blockSize + 1);
  if (text.length < minimum) {
    fail(`${name}: ${text.length} characters is shorter than one training window plus a held-out window (${minimum} for blockSize ${o.blockSize})`);
  }
  if (o.tokenizer && o.tokenizer.kind === 'word') fail(`--resume: the checkpoint has a word tokenizer, but ${name} is plain text`);
  const tokenizer = o.tokenizer ?? textTokenizer(text, o.tokenizerChoice ?? { kind: 'char' }, name);
  // <|endoftext|> in a text separates documents, as in GPT-2's training data: it becomes the special token.
  const ids = Int32Array.from(tokenizer instanceof BpeTokenizer ? tokenizer.encode(text, { allowedSpecial: 'all' }) : tokenizer.encode(text));
  if (ids.length < minimum) {
    fail(`${name}: ${ids.length} tokens is shorter than one training window plus a held-out window (${minimum} for blockSize ${o.blockSize}); use a longer text or fewer BPE tokens`);
  }
  // Short texts keep one window for validation even when 10% would be smaller.
  const cut = Math.min(Math.floor(ids.length * 0.9), ids.length - (o.blockSize + 1));
  const source = tokenWindows({ name, train: ids.subarray(0, cut), val: ids.subarray(cut), batchSize: o.batch, blockSize: o.blockSize, seed: o.seed, evalBatches: 2 });
  return { name, tokenizer, blockSize: o.blockSize, source };
}

/** The coreference language: one sentence per row, padded with <pad> (targets -100). */
export function corefData(seed: number, batch: number, resumed?: Tokenizer): TrainingData & { lang: CorefLanguage } {
  const lang = createCorefLanguage({ seed: 0 });
  const tokenizer = new WordTokenizer(lang.vocabulary.tokens);
  if (resumed && (resumed.kind !== 'word' || resumed.vocabSize !== tokenizer.vocabSize)) {
    fail(`--resume: the checkpoint's ${resumed.vocabSize}-token ${resumed.kind} tokenizer is not the coreference language's ${tokenizer.vocabSize} words`);
  }
  const blockSize = 20; // longest sentence: 16 words with modifiers and the trailing "."
  const ids = (examples: { tokens: string[] }[]) => examples.map((e) => lang.vocabulary.encode(e.tokens));
  const source = sentenceRowsSource({
    batch: (i) => ids(lang.generate('train', batch, seed * 100003 + i)),
    evalBatches: [ids(lang.generate('heldout', batch, seed + 7))],
    blockSize,
    padId: lang.vocabulary.id('<pad>'),
    settings: { name: 'coref', sentences: batch, seed },
  });
  return { name: 'coref', tokenizer, blockSize, source, lang };
}
