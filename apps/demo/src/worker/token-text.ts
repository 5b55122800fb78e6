// Generated tokens as text, streamed one token at a time. A character model's token is
// a character; a word model's tokens are joined by spaces; a byte-level BPE token holds
// bytes, and one character (an emoji, a CJK character) may span several tokens, so
// decoding tokens one by one would print U+FFFD halves. A streaming TextDecoder holds
// back the bytes of an unfinished character until the token that completes it arrives.
import { defineProcessor, type LogitsProcessor } from '@attn/sample';
import { BpeTokenizer, type Tokenizer, WordTokenizer } from '@attn/tokenizer';

/** A function from each next generated token id to the text it adds (possibly ''). */
export function tokenTextStream(tokenizer: Tokenizer): (id: number) => string {
  if (tokenizer instanceof BpeTokenizer) {
    const decoder = new TextDecoder('utf-8');
    return (id) => decoder.decode(tokenizer.tokenToBytes(id), { stream: true });
  }
  if (tokenizer instanceof WordTokenizer) {
    let first = true;
    return (id) => {
      const word = tokenizer.decode([id]);
      const text = first ? word : ` ${word}`;
      first = false;
      return text;
    };
  }
  return (id) => tokenizer.decode([id]);
}

/**
 * A Hub model may pad its vocabulary past its tokenizer's (rows for ids no text maps to). A
 * token the tokenizer cannot decode must never be sampled: this processor masks those ids,
 * or is null when every id of the model is a token.
 */
export function onlyDecodableTokens(tokenizer: Tokenizer, modelVocabSize: number): LogitsProcessor | null {
  const known = tokenizer.vocabSize;
  if (known >= modelVocabSize) return null;
  return defineProcessor(`ids below ${known}`, (logits) => {
    const out = logits.slice();
    out.fill(Number.NEGATIVE_INFINITY, known);
    return out;
  });
}
