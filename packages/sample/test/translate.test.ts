// translate(): beam search over an encoder-decoder's KV-cached decoding, checked
// against brute force over every short output and on a task a small Transformer
// learns (reversing sequences).
import { Transformer, type TransformerConfig } from '@attn/model';
import { Rng } from '@attn/tensor';
import { describe, expect, it } from 'vitest';
import { translate } from '../src/index.js';

// Reversal of length-5 sequences over 6 symbols. Target ids: symbols 0..5, BOS 6, EOS 7.
const SYMBOLS = 6;
const LEN = 5;
const BOS = 6;
const EOS = 7;
const config: Partial<TransformerConfig> = {
  srcVocabSize: SYMBOLS,
  tgtVocabSize: SYMBOLS + 2,
  maxLen: LEN + 2,
  nEncoderLayer: 1,
  nDecoderLayer: 1,
  nHead: 2,
  dModel: 32,
  dFF: 64,
  dropout: 0,
  norm: 'pre',
  bosId: BOS,
  eosId: EOS,
};

function batchOf(rng: Rng, B: number) {
  const src: number[] = [];
  const tgt: number[] = [];
  const targets: number[] = [];
  for (let b = 0; b < B; b++) {
    const s = Array.from({ length: LEN }, () => rng.int(SYMBOLS));
    const r = [...s].reverse();
    src.push(...s);
    tgt.push(BOS, ...r);
    targets.push(...r, EOS);
  }
  return { src, tgt, targets };
}

/** A plain Adam step (the optimizer lives in @attn/train; this keeps the test independent of it). */
function adam(model: Transformer, lr: number) {
  const m = new Map<string, Float32Array>();
  const v = new Map<string, Float32Array>();
  let t = 0;
  return () => {
    t++;
    for (const [name, p] of model.namedParameters()) {
      if (!p.grad) continue;
      const g = p.grad.dataSync();
      const w = Float32Array.from(p.dataSync());
      const mi = m.get(name) ?? new Float32Array(w.length);
      const vi = v.get(name) ?? new Float32Array(w.length);
      for (let i = 0; i < w.length; i++) {
        mi[i] = 0.9 * mi[i] + 0.1 * g[i];
        vi[i] = 0.999 * vi[i] + 0.001 * g[i] * g[i];
        w[i] -= (lr * (mi[i] / (1 - 0.9 ** t))) / (Math.sqrt(vi[i] / (1 - 0.999 ** t)) + 1e-8);
      }
      m.set(name, mi);
      v.set(name, vi);
      p.assign(w);
    }
  };
}

describe('translate', () => {
  it('validates its options', () => {
    const model = new Transformer(config);
    expect(() => translate(model, [1, 2], { beamWidth: 0 })).toThrow('beamSearch: beamWidth must be an integer >= 1');
    expect(() => translate(model, [1, 2], { maxTokens: 0 })).toThrow('translate: maxTokens must be an integer >= 1');
    expect(() => translate(model, [1, 2], { beam: 2 } as never)).toThrow(/translate: unknown option 'beam'/);
  });

  it('beam search wide enough to be exhaustive finds the best-scoring sequence (checked by brute force)', () => {
    const model = new Transformer(config, { seed: 12 }).eval();
    const src = [3, 1, 4];
    const V = SYMBOLS + 2;
    // log p(next | prefix) from a full teacher-forced pass.
    const logProbNext = (prefix: number[]) => {
      const { logits } = model.forward(src, [BOS, ...prefix]);
      return logits.slice(1, prefix.length, prefix.length + 1).logSoftmax(-1).dataSync();
    };
    // Every output of at most 2 tokens: [EOS], [a, EOS], [a, b] (cut at maxTokens).
    let best = { tokens: [] as number[], logProb: Number.NEGATIVE_INFINITY };
    const first = logProbNext([]);
    if (first[EOS] > best.logProb) best = { tokens: [], logProb: first[EOS] };
    for (let a = 0; a < V; a++) {
      if (a === EOS) continue;
      const second = logProbNext([a]);
      for (let b = 0; b < V; b++) {
        const lp = first[a] + second[b];
        if (lp > best.logProb) best = { tokens: b === EOS ? [a] : [a, b], logProb: lp };
      }
    }
    const beam = translate(model, src, { beamWidth: V * V, maxTokens: 2, lengthPenalty: 0 });
    expect(beam.tokens).toEqual(best.tokens);
    expect(beam.logProb).toBeCloseTo(best.logProb, 4);
    // Greedy can only do as well or worse.
    expect(translate(model, src, { maxTokens: 2, lengthPenalty: 0 }).logProb).toBeLessThanOrEqual(beam.logProb + 1e-6);
  });

  it('learns to reverse length-5 sequences over 6 symbols (greedy and beam search)', () => {
    const model = new Transformer(config, { seed: 7 }).train();
    const rng = new Rng(1);
    const step = adam(model, 3e-3);
    let loss = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 400 && loss > 0.02; i++) {
      const { src, tgt, targets } = batchOf(rng, 32);
      model.zeroGrad();
      const out = model.forward(src, tgt, { batch: 32, targets });
      out.loss!.backward();
      loss = out.loss!.itemSync();
      step();
    }
    expect(loss).toBeLessThan(0.1);
    model.eval();
    const test = new Rng(99);
    let greedyRight = 0;
    let beamRight = 0;
    const n = 20;
    let sample: { tokens: number[]; src: number[] } | undefined;
    for (let i = 0; i < n; i++) {
      const s = Array.from({ length: LEN }, () => test.int(SYMBOLS));
      const want = [...s].reverse().join(',');
      const greedy = translate(model, s);
      if (greedy.tokens.join(',') === want) greedyRight++;
      if (translate(model, s, { beamWidth: 3 }).tokens.join(',') === want) beamRight++;
      sample = { ...greedy, src: s };
    }
    expect(greedyRight / n).toBeGreaterThanOrEqual(0.9);
    expect(beamRight / n).toBeGreaterThanOrEqual(0.9);
    // The attention maps of a translation come from one teacher-forced pass over it.
    const cross = model.forward(sample!.src, [BOS, ...sample!.tokens], { returnAttention: true }).attention!.cross[0];
    expect(cross.shape).toEqual([1, 2, sample!.tokens.length + 1, LEN]);
  });
});
