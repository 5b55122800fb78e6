// Generated tokens as text, streamed one token at a time. A character model's token is
// a character; a word model's tokens follow the prompt, each after a space; a byte-level BPE token holds
// bytes, and one character (an emoji, a CJK character) may span several tokens, so
// decoding tokens one by one would print U+FFFD halves. A streaming TextDecoder holds
// back the bytes of an unfinished character until the token that completes it arrives.
import { BpeTokenizer, type Tokenizer, WordTokenizer } from '@attn/tokenizer';

/** A function from each next generated token id to the text it adds (possibly ''). */
export function tokenTextStream(tokenizer: Tokenizer): (id: number) => string {
  if (tokenizer instanceof BpeTokenizer) {
    const decoder = new TextDecoder('utf-8');
    return (id) => decoder.decode(tokenizer.tokenToBytes(id), { stream: true });
  }
  if (tokenizer instanceof WordTokenizer) return (id) => ` ${tokenizer.decode([id])}`;
  return (id) => tokenizer.decode([id]);
}

/**
 * A Hub model may pad its vocabulary past its tokenizer's (rows for ids no text maps to). A
 * token the tokenizer cannot decode is never shown or drawn: the next-token logits are cut to
 * the ids the tokenizer has (the same ids, so nothing is renumbered). A view of `logits` when
 * every id of the model is a token.
 */
export function decodableLogits(tokenizer: Tokenizer, logits: Float32Array): Float32Array {
  return tokenizer.vocabSize >= logits.length ? logits : logits.subarray(0, tokenizer.vocabSize);
}
