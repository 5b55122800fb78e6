// @attn/datasets/browser: everything that needs no file system. Corpus text
// reaches the browser through the Vite plugin in '@attn/datasets/vite' (or by
// fetching the raw files and calling verifyCorpusBytes).

export { type Batch, sampleBatch } from './batch';
export {
  CORPORA,
  CORPUS_FILES,
  type CorpusFile,
  type CorpusFileName,
  type CorpusName,
  corpusFiles,
  decodeCorpusBytes,
  FILE_SEPARATOR,
  GUTENBERG_PACKAGE,
  joinCorpusTexts,
  sha256Hex,
  verifyCorpusBytes,
} from './corpora';
export {
  type CorefConfig,
  type CorefExample,
  type CorefLanguage,
  corefTokenStream,
  createCorefLanguage,
  type NounPair,
} from './coref';
export { DataError } from './errors';
export {
  type InductionConfig,
  type InductionHalves,
  type InductionSplit,
  type InductionTask,
  inductionTask,
} from './induction';
export {
  DATE_FORMATS,
  type DateFormat,
  type DateTaskConfig,
  daysInMonth,
  dateTask,
  encodeSeq2Seq,
  MONTHS,
  reversalTask,
  SEQ2SEQ_SPECIALS,
  type Seq2SeqExample,
  type Seq2SeqTask,
  type SequenceTaskConfig,
  sortingTask,
} from './seq2seq';
export { type SuccessorWalks, type SuccessorWalksConfig, successorWalks } from './successor-walks';
export { type SeededSplitOptions, type Sliceable, type Split, splitExamples, splitInOrder, splitSeeded } from './split';
export { decodeLatin1, decodeUtf8, invalidUtf8Offset, normalizeText, type TextFromBytesOptions, textFromBytes } from './text';
export { Vocabulary } from './vocabulary';
