// Writing after a prompt, as the Generate and Next token views both do: @attn/sample's
// generate with a sampler over the tokens the tokenizer can decode, each token handed on as
// its text (token-text.ts) with the logits it was drawn from.
import type { GPT } from '@attn/model';
import { generate, type Sampler } from '@attn/sample';
import type { Tokenizer } from '@attn/tokenizer';
import { decodableLogits, tokenTextStream } from './token-text';

/** One written token. */
export interface WrittenToken {
  id: number;
  /** The text it adds after what came before ('' while a character's bytes are incomplete). */
  text: string;
  /** The next-token logits it was drawn from (decodable ids only), before the sampler's processors. */
  logits: Float32Array;
}

export interface WriteOptions {
  maxTokens: number;
  /** Draws each token from the decodable logits. */
  sampler: Sampler;
  signal: AbortSignal;
}

/** Writes up to maxTokens after `ids`, calling `onToken` for each; resolves with why it stopped (generate's reason). */
export async function writeTokens(model: GPT, tokenizer: Tokenizer, ids: number[], options: WriteOptions, onToken: (token: WrittenToken) => void): Promise<string> {
  const textOf = tokenTextStream(tokenizer);
  let seen = new Float32Array(0);
  const cut: Sampler = {
    ...options.sampler,
    sample(logits, tokensSoFar) {
      seen = Float32Array.from(decodableLogits(tokenizer, logits)); // generate may reuse its buffer
      return options.sampler.sample(seen, tokensSoFar);
    },
  };
  const tokens = generate(model, ids, { maxNewTokens: options.maxTokens, sampler: cut, signal: options.signal });
  let result = await tokens.next();
  while (!result.done) {
    onToken({ id: result.value, text: textOf(result.value), logits: seen });
    result = await tokens.next();
  }
  return result.value.reason;
}
