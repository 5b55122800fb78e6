// Text generation from a checkpoint: sampler from flags, tokens streamed as they come.
import type { GPT } from '@attn/model';
import { generateSync, type Sampler, samplerFromSpecs } from '@attn/sample';
import type { Tokenizer } from '@attn/tokenizer';
import { fail } from './errors.js';

export interface SamplerFlags {
  temperature?: number;
  topK?: number;
  topP?: number;
  /** Extra strategy specs, e.g. "typical:p=0.9" (loaded by name, e.g. @attn/sample-typical). */
  samplers?: string[];
  seed: number;
}

export async function buildSampler(flags: SamplerFlags): Promise<Sampler> {
  const specs: string[] = [];
  if (flags.temperature !== undefined) specs.push(`temperature:t=${flags.temperature}`);
  if (flags.topK !== undefined) specs.push(`top-k:k=${flags.topK}`);
  if (flags.topP !== undefined) specs.push(`top-p:p=${flags.topP}`);
  specs.push(...(flags.samplers ?? []));
  try {
    // Strategy packages (e.g. @attn/sample-typical) resolve from the CLI, which depends on them.
    return await samplerFromSpecs(specs, { seed: flags.seed, importModule: (name) => import(name) });
  } catch (e) {
    fail(`--sampler: ${(e as Error).message.split('\n')[0]}`);
  }
}

/**
 * Generates up to maxTokens ids after `prompt`, calling write with each new piece of text as it
 * comes: a word with its space for word-level models; otherwise what the decoded text gained
 * (a byte-level BPE token can end inside a character, which is held back until it is complete).
 */
export function streamText(model: GPT, tokenizer: Tokenizer, prompt: string, maxTokens: number, s: Sampler, write?: (piece: string) => void): string {
  const ids = tokenizer.encode(prompt);
  if (ids.length === 0) fail('--prompt: empty; give at least one character the model knows');
  const out: number[] = [];
  let shown = '';
  for (const id of generateSync(model, ids.slice(-model.blockSize), { maxNewTokens: maxTokens, sampler: s })) {
    out.push(id);
    if (!write) continue;
    if (tokenizer.kind === 'word') write(` ${tokenizer.label(id)}`);
    else {
      const text = tokenizer.decode(out);
      const complete = text.endsWith('\ufffd') ? text.slice(0, -1) : text;
      if (complete.length > shown.length && complete.startsWith(shown)) {
        write(complete.slice(shown.length));
        shown = complete;
      }
    }
  }
  const text = tokenizer.decode(out);
  if (write && tokenizer.kind !== 'word' && text.length > shown.length) write(text.slice(shown.length));
  return text;
}
