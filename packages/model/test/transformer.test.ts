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

describe('Transformer', () => {
  it('validates config and inputs with clear errors', () => {
    expect(() => new Transformer({ ...config, dModel: 30, nHead: 4 })).toThrow('dModel (30) must be divisible by nHead (4)');
    expect(() => new Transformer({ ...config, eosId: 8 })).toThrow('eosId must be a target id in [0, 8)');
    const model = new Transformer(config);
    expect(() => model.forward([0, 1, 6], [BOS])).toThrow('source id 6 at index 2 is out of range [0, 6)');
    expect(() => model.forward(new Array(8).fill(0), [BOS])).toThrow('source length 8 exceeds maxLen 7');
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

  it('decodes incrementally with caches: the logits of a full teacher-forced pass at every step; forks are independent', () => {
    const model = new Transformer({ ...config, srcPadId: 0 }, { seed: 12 }).eval();
    const src = [3, 1, 4, 0];
    const tgt = [BOS, 2, 5, 1, 3];
    const V = SYMBOLS + 2;
    const full = model.forward(src, tgt).logits.dataSync(); // (1, T, V)
    const state = model.startDecoding(src);
    for (let t = 0; t < tgt.length; t++) {
      const logits = state.feed([tgt[t]]);
      expect(state.length).toBe(t + 1);
      for (let v = 0; v < V; v++) expect(logits[v]).toBeCloseTo(full[t * V + v], 4);
    }
    // A fork continues on its own; the original is unchanged by it.
    const a = model.startDecoding(src);
    a.feed([BOS, 2]);
    const b = a.fork();
    const fromB = b.feed([5]);
    expect(b.length).toBe(3);
    expect(a.length).toBe(2);
    const fromA = a.feed([5]);
    expect(Array.from(fromA)).toEqual(Array.from(fromB));
    for (let v = 0; v < V; v++) expect(fromA[v]).toBeCloseTo(full[2 * V + v], 4);
    expect(() => a.feed([V])).toThrow('target id 8 at index 0 is out of range');
    expect(a.length).toBe(3); // the failed feed left the state as it was
    expect(() => model.startDecoding(src).feed(new Array(LEN + 3).fill(1))).toThrow(/exceeds maxLen 7/);
  });

  it('init: false builds the same module tree with zero weights and no random draws', () => {
    const empty = new Transformer(config, { init: false });
    const drawn = new Transformer(config);
    expect(empty.namedParameters().map(([n, p]) => [n, p.shape])).toEqual(drawn.namedParameters().map(([n, p]) => [n, p.shape]));
    for (const [name, p] of empty.namedParameters()) {
      if (!/norm|ln_/.test(name)) expect(p.dataSync().every((x) => x === 0), name).toBe(true);
    }
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
