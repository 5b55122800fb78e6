// @attn/tokenizer: character and byte-level BPE tokenizers, GPT-2 compatible.
export { BpeTokenizer, type BpeJson, type BpeModel, type BpeOptions, type SpecialOptions, type TokenPiece } from './bpe-tokenizer.js';
export { TokenizerError } from './errors.js';
export { gpt2ByteAlphabet, gpt2Files, loadGpt2, loadGpt2FromTokenizerJson, type Gpt2Files } from './gpt2.js';
export { GPT2_PATTERN, pretokenize } from './pretokenize.js';
export { wtf8Decode, wtf8Encode } from './wtf8.js';
export { CharTokenizer, UNK, type CharEncodeOptions, type CharTokenizerJson, type CharTokenizerOptions } from './char-tokenizer.js';
export { trainBpe, type TrainBpeConfig } from './train.js';
export type { Tokenizer, TokenizerKind } from './tokenizer.js';
export { WordTokenizer, type WordTokenizerJson } from './word-tokenizer.js';
export {
  ATTN_TOKENIZER_FILE,
  type AttnTokenizerJson,
  GPT2_MERGES_FILE,
  GPT2_VOCAB_FILE,
  HF_TOKENIZER_FILE,
  tokenizerFromFiles,
  type TokenizerFromFilesOptions,
  tokenizerToFiles,
} from './tokenizer-files.js';
