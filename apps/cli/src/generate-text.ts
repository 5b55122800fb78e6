// Text generation from a checkpoint: sampler from flags, tokens streamed as they come.
import type { GPT } from '@attn/model';
import { generateSync, type Sampler, samplerFromSpecs } from '@attn/sample';
import type { Codec } from './codec.js';
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

/** Generates up to maxTokens ids after `prompt`, calling write with each decoded piece. */
export function streamText(model: GPT, codec: Pick<Codec, 'kind' | 'encode' | 'decode' | 'label'>, prompt: string, maxTokens: number, s: Sampler, write?: (piece: string) => void): string {
  const ids = codec.encode(prompt);
  if (ids.length === 0) fail('--prompt: empty; give at least one character the model knows');
  const out: number[] = [];
  for (const id of generateSync(model, ids, { maxNewTokens: maxTokens, sampler: s })) {
    out.push(id);
    write?.(codec.kind === 'word' ? ` ${codec.label(id)}` : codec.label(id));
  }
  return codec.decode(out);
}
