// Which parameters get weight decay. Decay pulls weights towards zero; that is a
// useful prior for the big matrices, but shrinking biases, LayerNorm gains or the
// embedding tables only hurts, so (like nanoGPT and most GPT recipes) they are
// left out by default.
import type { Tensor } from '@attn/tensor';

/** A parameter with the name it has in the module tree (e.g. "transformer.h.0.attn.c_attn.weight"). */
export type NamedParameter = readonly [name: string, param: Tensor];

/** Names that mark a norm or an embedding table (any dot-separated part of the path). */
const NO_DECAY_NAME = /(^|\.)(ln[_\w]*|[\w]*norm[\w]*|wte|wpe|emb[\w]*|bias)(\.|$)/i;

/** Default rule: decay only matrices (ndim >= 2) that are neither embeddings nor norms. */
export function defaultDecays(name: string, param: Tensor): boolean {
  return param.ndim >= 2 && !NO_DECAY_NAME.test(name);
}

/** Accepts named parameters or bare tensors (named "0", "1", ...); drops duplicates (tied weights). */
export function nameParameters(params: readonly NamedParameter[] | readonly Tensor[]): NamedParameter[] {
  const seen = new Set<Tensor>();
  const out: NamedParameter[] = [];
  params.forEach((entry, i) => {
    const named: NamedParameter = Array.isArray(entry) ? (entry as NamedParameter) : [String(i), entry as Tensor];
    if (seen.has(named[1])) return;
    seen.add(named[1]);
    out.push(named);
  });
  return out;
}
