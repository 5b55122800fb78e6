// Reading attention out of a GPT: per layer/head weight matrices for one sentence, and the
// coreference score: on how many held-out sentences attention from "it" peaks on the referent.
import type { CorefExample, CorefLanguage } from '@attn/datasets';
import type { GPT } from '@attn/model';
import { noGrad } from '@attn/tensor';

/** weights[layer][head] is a (T, T) matrix, row t = what position t attends to. */
export function attentionMaps(model: GPT, ids: readonly number[]): number[][][][] {
  return noGrad(() => {
    const out = model.forward(ids.slice(0, model.blockSize), { returnAttention: true });
    const layers = out.attention ?? [];
    return layers.map((t) => {
      const [, nh, T] = t.shape; // (1, nh, T, T)
      const data = t.dataSync();
      return Array.from({ length: nh }, (_, h) =>
        Array.from({ length: T }, (_, i) => Array.from(data.subarray((h * T + i) * T, (h * T + i + 1) * T))),
      );
    });
  });
}

export interface CorefScore {
  /** Share of sentences whose attention from "it" peaks on the referent, for the best head. */
  share: number;
  layer: number;
  head: number;
  /** Share for every [layer][head]. */
  perHead: number[][];
  sentences: number;
}

/** Scores every layer/head on `examples` and returns the best (see the datasets README). */
export function corefScore(model: GPT, lang: CorefLanguage, examples: CorefExample[]): CorefScore {
  let hits: number[][] = [];
  for (const ex of examples) {
    const ids = Array.from(lang.vocabulary.encode(ex.tokens.slice(0, ex.itIndex + 1)));
    const maps = attentionMaps(model, ids);
    if (hits.length === 0) hits = maps.map((heads) => heads.map(() => 0));
    for (const [l, heads] of maps.entries()) {
      for (const [h, w] of heads.entries()) {
        const row = w[ex.itIndex];
        if (row[ex.referentIndex] === Math.max(...row)) hits[l][h]++;
      }
    }
  }
  const perHead = hits.map((heads) => heads.map((n) => n / Math.max(1, examples.length)));
  let best = { share: -1, layer: 0, head: 0 };
  for (const [l, heads] of perHead.entries()) {
    for (const [h, s] of heads.entries()) if (s > best.share) best = { share: s, layer: l, head: h };
  }
  return { ...best, perHead, sentences: examples.length };
}
