// The logit lens (nostalgebraist 2020): read the residual stream after each layer as if it
// were the last one: through the final LayerNorm ln_f and the tied unembedding (wte^T), then
// a softmax. It shows at which depth the model's guess for the next token forms. The last
// row is the model's own output, exactly.
import type { GPT } from '@attn/model';
import { noGrad, type Tensor, tidy } from '@attn/tensor';
import { type ActivationCache, inEvalMode, readTensor, runWithCache } from './cache.js';
import { fail } from './errors.js';
import { gptHooks } from './names.js';
import { type TokenProbability, topTokens } from './next-token.js';

/** One depth of the residual stream, read through ln_f and the unembedding. */
export interface LogitLensLayer {
  /** 'embeddings' (the stream before block 0), then 'layer 0', 'layer 1', ... (after each block). */
  label: string;
  /** The hook the stream was read from, e.g. `transformer.h.0.hook_resid_post`. */
  hook: string;
  /** predictions[position]: the top k next tokens at that position, most probable first. */
  predictions: TokenProbability[][];
}

export interface LogitLensOptions {
  /** Tokens kept per position (default 1). */
  k?: number;
}

/** The hooks the logit lens reads: the stream before block 0, then after every block. */
export function logitLensStreams(nLayer: number): { label: string; hook: string }[] {
  return [{ label: 'embeddings', hook: gptHooks.residPre(0) }, ...Array.from({ length: nLayer }, (_, l) => ({ label: `layer ${l}`, hook: gptHooks.residPost(l) }))];
}

/** The logit lens of `ids`: nLayer + 1 rows (the embeddings, then after every block). */
export async function logitLens(model: GPT, ids: ArrayLike<number>, options: LogitLensOptions = {}): Promise<LogitLensLayer[]> {
  const cache = runWithCache(model, ids, { filter: logitLensStreams(model.config.nLayer).map((s) => s.hook) });
  try {
    return await logitLensFromCache(model, cache, options);
  } finally {
    cache.dispose();
  }
}

/** The logit lens from a cache that kept the residual streams (see logitLensStreams). */
export async function logitLensFromCache(model: GPT, cache: ActivationCache, options: LogitLensOptions = {}): Promise<LogitLensLayer[]> {
  const k = options.k ?? 1;
  if (!Number.isInteger(k) || k < 1) fail('logitLens', `k must be a positive integer, got ${k}`);
  const { nEmbd: C, vocabSize: V } = model.config;
  const T = cache.ids.length;
  const out: LogitLensLayer[] = [];
  for (const stream of logitLensStreams(model.config.nLayer)) {
    // One depth at a time, so at most one (T, V) block of logits is alive (GPT-2: 50,257 wide).
    const lensLogits: Tensor = inEvalMode(model, () =>
      tidy(() =>
        noGrad(() => {
          const normed = model.transformer.ln_f.forward(cache.get(stream.hook)); // (1, T, C)
          return normed.reshape([T, C]).matmul(model.transformer.wte.weight, { transB: true }); // (T, C) x (V, C)^T -> (T, V)
        }),
      ),
    );
    const host = await readTensor(lensLogits);
    lensLogits.dispose();
    const predictions = Array.from({ length: T }, (_, t) => topTokens(host.data.subarray(t * V, (t + 1) * V), k));
    out.push({ label: stream.label, hook: stream.hook, predictions });
  }
  return out;
}
