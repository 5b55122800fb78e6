// Attention maps of a GPT, read from the hook points: weights[layer][head][query][key].
import type { GPT } from '@attn/model';
import { type HostTensor, headRows, readActivations } from './cache.js';
import { gptHooks } from './names.js';

/** Attention weights [layer][head][query][key]: row q is what position q attends to (it sums to 1). */
export type AttentionMaps = number[][][][];

/** Every head of a (1, nh, Tq, Tk) pattern as [head][query][key]. */
export function headsOf(pattern: HostTensor): number[][][] {
  return Array.from({ length: pattern.shape[1] }, (_, h) => headRows(pattern, h));
}

/** Every layer's and head's attention pattern for one sequence (at most blockSize tokens). */
export async function attentionMaps(model: GPT, ids: ArrayLike<number>): Promise<AttentionMaps> {
  const names = Array.from({ length: model.config.nLayer }, (_, l) => gptHooks.pattern(l));
  const { values } = await readActivations(model, ids, names);
  return names.map((name) => headsOf(values.get(name)!));
}
