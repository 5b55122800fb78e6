// Cross-attention of the encoder-decoder Transformer: for each output position, how much
// each decoder layer's heads read each input position ("which input words matter right
// now"). Read from the decoder blocks' `crossattention.hook_pattern` hook points.
import { captureActivations } from '@attn/layers';
import type { Transformer } from '@attn/model';
import { translate } from '@attn/sample';
import { noGrad, type Tensor, tidy } from '@attn/tensor';
import { type AttentionMaps, headsOf } from './attention.js';
import { inEvalMode, readTensor } from './cache.js';
import { fail } from './errors.js';
import { transformerHooks } from './names.js';

/** Cross-attention [layer][head][target position][source position] of a teacher-forced pass over `tgt` (starting with BOS). */
export async function crossAttentionMaps(model: Transformer, src: ArrayLike<number>, tgt: ArrayLike<number>): Promise<AttentionMaps> {
  const names = Array.from({ length: model.config.nDecoderLayer }, (_, l) => transformerHooks.crossPattern(l));
  const patterns: Tensor[] = inEvalMode(model, () =>
    tidy(() =>
      noGrad(() => {
        const source = Array.from(src);
        const target = Array.from(tgt);
        let activations: Map<string, Tensor>;
        try {
          ({ activations } = captureActivations(model, () => model.forward(source, target), (name) => names.includes(name)));
        } catch (e) {
          fail('crossAttentionMaps', (e as Error).message);
        }
        return names.map((name) => activations.get(name)!.add(0)); // (1, nh, T, S) each, in storage of its own
      }),
    ),
  );
  try {
    const out: AttentionMaps = [];
    for (const p of patterns) out.push(headsOf(await readTensor(p)));
    return out;
  } finally {
    for (const p of patterns) p.dispose();
  }
}

/** A translation with the cross-attention that produced it. */
export interface AttendedTranslation {
  /** The generated target ids, without BOS and EOS. */
  tokens: number[];
  logProb: number;
  /**
   * cross[layer][head][i][s]: attention of the decoder step that produced tokens[i] (its input
   * is BOS followed by tokens[0..i-1]) over source position s.
   */
  cross: AttentionMaps;
}

/** Translates `src` (greedy with beamWidth 1, else beam search) and returns the cross-attention behind each output token. */
export async function translateWithAttention(model: Transformer, src: ArrayLike<number>, options: { beamWidth?: number; maxTokens?: number } = {}): Promise<AttendedTranslation> {
  let result: { tokens: number[]; logProb: number };
  try {
    result = translate(model, src, options);
  } catch (e) {
    fail('translateWithAttention', (e as Error).message);
  }
  const { tokens, logProb } = result;
  const maps = await crossAttentionMaps(model, src, [model.config.bosId, ...tokens]);
  // Row i of the teacher-forced pass reads BOS + tokens[0..i-1] and predicts tokens[i]; the
  // last row predicts EOS (or nothing, when maxTokens cut the output), so it is left out.
  const cross = maps.map((heads) => heads.map((rows) => rows.slice(0, tokens.length)));
  return { tokens, logProb, cross };
}
