// The interface every attn tokenizer implements, so a checkpoint, the CLI and the
// web demo can carry "the model's tokenizer" without knowing which kind it is.

/** Which tokenizer a checkpoint holds (config.json's attn.tokenizer). */
export type TokenizerKind = 'char' | 'word' | 'byte-bpe';

export interface Tokenizer {
  /** 'char': one token per character; 'word': one per whitespace-separated word; 'byte-bpe': GPT-2 style byte-level BPE. */
  readonly kind: TokenizerKind;
  /** Number of ids (one more than the largest). */
  readonly vocabSize: number;
  /** Text -> ids; throws TokenizerError naming what it cannot encode. */
  encode(text: string): number[];
  /** Ids -> text. */
  decode(ids: ArrayLike<number>): string;
  /** What one id looks like on screen: a character, a word, a BPE piece. */
  label(id: number): string;
}
