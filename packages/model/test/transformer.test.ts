import { Rng, type Tensor } from '@attn/tensor';
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  GPT,
  gptFromSafetensors,
  gptToSafetensors,
  loadTransformer,
  saveTransformer,
  Transformer,
  type TransformerConfig,
  transformerFromSafetensors,
  transformerToSafetensors,
} from '../src/index.js';

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

describe('Transformer', () => {
  it('validates config and inputs with clear errors', () => {
    expect(() => new Transformer({ ...config, dModel: 30, nHead: 4 })).toThrow('dModel (30) must be divisible by nHead (4)');
    expect(() => new Transformer({ ...config, eosId: 8 })).toThrow('eosId must be a target id in [0, 8)');
    const model = new Transformer(config);
    expect(() => model.forward([0, 1, 6], [BOS])).toThrow('source id 6 at index 2 is out of range [0, 6)');
    expect(() => model.forward(new Array(8).fill(0), [BOS])).toThrow('source length 8 exceeds maxLen 7');
    expect(() => model.translate([1, 2], { beamWidth: 0 })).toThrow('beamWidth must be a positive integer');
  });

  it('returns attention maps of the right shapes; decoder self-attention is causal', () => {
    const model = new Transformer(config, { seed: 4 }).eval();
    const { logits, attention } = model.forward([0, 1, 2, 3, 4, 5, 0, 1], [BOS, 1, 2, BOS, 3, 4], { batch: 2, returnAttention: true });
    expect(logits.shape).toEqual([2, 3, SYMBOLS + 2]);
    expect(attention!.encoderSelf.map((a) => a.shape)).toEqual([[2, 2, 4, 4]]);
    expect(attention!.decoderSelf.map((a) => a.shape)).toEqual([[2, 2, 3, 3]]);
    expect(attention!.cross.map((a) => a.shape)).toEqual([[2, 2, 3, 4]]);
    const self = attention!.decoderSelf[0].dataSync();
    for (let row = 0; row < 2 * 2 * 3; row++) for (let j = (row % 3) + 1; j < 3; j++) expect(self[row * 3 + j]).toBe(0);
  });

  it('hides padded source positions from attention', () => {
    const model = new Transformer({ ...config, srcPadId: 0 }, { seed: 4 }).eval();
    const { attention } = model.forward([3, 4, 0, 0], [BOS], { returnAttention: true });
    const cross = attention!.cross[0].dataSync(); // (1, 2, 1, 4)
    for (const h of [0, 1]) {
      expect(cross[h * 4 + 2]).toBe(0);
      expect(cross[h * 4 + 3]).toBe(0);
      expect(cross[h * 4 + 0] + cross[h * 4 + 1]).toBeCloseTo(1, 5);
    }
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
    const beam = model.translate(src, { beamWidth: V * V, maxTokens: 2, lengthPenalty: 0 });
    expect(beam.tokens).toEqual(best.tokens);
    expect(beam.logProb).toBeCloseTo(best.logProb, 4);
    // Greedy can only do as well or worse.
    expect(model.translate(src, { maxTokens: 2, lengthPenalty: 0 }).logProb).toBeLessThanOrEqual(beam.logProb + 1e-6);
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
    let sample: { tokens: number[]; attention: { cross: Tensor[] } } | undefined;
    for (let i = 0; i < n; i++) {
      const s = Array.from({ length: LEN }, () => test.int(SYMBOLS));
      const want = [...s].reverse().join(',');
      const greedy = model.translate(s);
      if (greedy.tokens.join(',') === want) greedyRight++;
      if (model.translate(s, { beamWidth: 3 }).tokens.join(',') === want) beamRight++;
      sample = greedy;
    }
    expect(greedyRight / n).toBeGreaterThanOrEqual(0.9);
    expect(beamRight / n).toBeGreaterThanOrEqual(0.9);
    // Cross-attention of a translation: (1, nh, T, S) with rows summing to 1.
    const cross = sample!.attention.cross[0];
    expect(cross.shape).toEqual([1, 2, sample!.tokens.length + 1, LEN]);
  });

  it('saves and loads checkpoints; refuses a GPT checkpoint and vice versa', async () => {
    const model = new Transformer(config, { seed: 3 }).eval();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attn-transformer-'));
    try {
      const file = path.join(dir, 't.safetensors');
      await saveTransformer(model, file);
      const loaded = (await loadTransformer(file)).eval();
      const a = model.forward([1, 2, 3], [BOS, 4]).logits.dataSync();
      expect(Array.from(loaded.forward([1, 2, 3], [BOS, 4]).logits.dataSync())).toEqual(Array.from(a));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const gptBytes = gptToSafetensors(new GPT({ vocabSize: 5, blockSize: 4, nLayer: 1, nHead: 1, nEmbd: 4 }));
    expect(() => transformerFromSafetensors(gptBytes, { source: 'gpt.safetensors' })).toThrow(
      'safetensors: gpt.safetensors: checkpoint is for architecture "gpt2", not an encoder-decoder Transformer',
    );
    expect(() => gptFromSafetensors(transformerToSafetensors(model))).toThrow('architecture "transformer", not a GPT');
  });
});
