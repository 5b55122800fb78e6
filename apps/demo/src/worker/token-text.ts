// Generated tokens as text, streamed one token at a time. A character model's token is
// a character; a word model's tokens are joined by spaces; a byte-level BPE token holds
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
