import { randn, Rng, type Tensor, tensor, zeros } from '@attn/tensor';
import { describe, expect, it } from 'vitest';
import { Dropout, Embedding, Linear, Module, TransformerDecoderBlock, TransformerEncoderBlock } from '../src/index.js';

class TwoLayer extends Module {
  readonly first: Linear;
  readonly second: Linear;
  constructor() {
    super();
    this.first = this.registerModule('first', new Linear({ inFeatures: 2, outFeatures: 3 }));
    this.second = this.registerModule('second', new Linear({ inFeatures: 3, outFeatures: 1, bias: false }));
    this.registerParameter('scale', zeros([1]));
  }
}

describe('Module', () => {
  it('names parameters by dotted path and counts them', () => {
    const m = new TwoLayer();
    expect(m.namedParameters().map(([name, p]) => [name, p.shape])).toEqual([
      ['scale', [1]],
      ['first.weight', [2, 3]],
      ['first.bias', [3]],
      ['second.weight', [3, 1]],
    ]);
    expect(m.numParameters()).toBe(1 + 6 + 3 + 3);
    expect(m.parameters().every((p) => p.requiresGrad)).toBe(true);
  });

  it('counts a GPT-2-shaped block like PyTorch does (12 * C^2 + 13 * C)', () => {
    const C = 16;
    const block = new TransformerEncoderBlock({ dModel: C, nHead: 4 });
    expect(block.numParameters()).toBe(12 * C * C + 13 * C);
    expect(Object.keys(block.stateDict())).toEqual([
      'ln_1.weight',
      'ln_1.bias',
      'attn.c_attn.weight',
      'attn.c_attn.bias',
      'attn.c_proj.weight',
      'attn.c_proj.bias',
      'ln_2.weight',
      'ln_2.bias',
      'mlp.c_fc.weight',
      'mlp.c_fc.bias',
      'mlp.c_proj.weight',
      'mlp.c_proj.bias',
    ]);
    expect(block.getParameter('attn.c_attn.weight').shape).toEqual([C, 3 * C]);
    const decoder = new TransformerDecoderBlock({ dModel: C, nHead: 4 });
    expect(decoder.getParameter('crossattention.q_attn.weight').shape).toEqual([C, C]);
    expect(decoder.getParameter('crossattention.c_attn.weight').shape).toEqual([C, 2 * C]);
  });

  it('train()/eval() reach every descendant and switch dropout', () => {
    const block = new TransformerEncoderBlock({ dModel: 8, nHead: 2, dropout: 0.5 });
    block.eval();
    const all = (m: Module): Module[] => [m, ...m.namedChildren().flatMap(([, c]) => all(c))];
    expect(all(block).every((m) => !m.training)).toBe(true);
    const x = randn([1, 3, 8], { seed: 1 });
    const a = block.forward(x).dataSync();
    const b = block.forward(x).dataSync();
    expect(Array.from(a)).toEqual(Array.from(b)); // eval: deterministic
    block.train();
    expect(all(block).every((m) => m.training)).toBe(true);
    const c = block.forward(x).dataSync();
    expect(Array.from(c)).not.toEqual(Array.from(a)); // training: dropout active
  });

  it('Dropout zeroes about p of the values and rescales the rest', () => {
    const d = new Dropout({ p: 0.25, rng: new Rng(3) });
    const y = d.forward(tensor(new Array(4000).fill(1))).dataSync();
    const zeros = y.filter((v) => v === 0).length;
    expect(zeros / 4000).toBeGreaterThan(0.2);
    expect(zeros / 4000).toBeLessThan(0.3);
    for (const v of y) expect([0, 1 / 0.75]).toContainEqual(expect.closeTo(v, 5));
    d.eval();
    expect(Array.from(d.forward(tensor([1, 2])).dataSync())).toEqual([1, 2]);
    expect(() => new Dropout({ p: 1 })).toThrow(/Dropout: p must be in \[0, 1\)/);
  });

  it('stateDict round-trips into a fresh module', () => {
    const source = new TransformerDecoderBlock({ dModel: 8, nHead: 2, rng: new Rng(1) });
    const target = new TransformerDecoderBlock({ dModel: 8, nHead: 2, rng: new Rng(2) });
    const x = randn([2, 3, 8], { seed: 5 });
    const context = randn([2, 4, 8], { seed: 6 });
    source.eval();
    target.eval();
    const before = Array.from(source.forward(x, { context }).dataSync());
    expect(Array.from(target.forward(x, { context }).dataSync())).not.toEqual(before);
    // Through plain arrays, as a checkpoint loader would hand them over.
    const plain = Object.fromEntries(
      Object.entries(source.stateDict()).map(([k, t]) => [k, { shape: t.shape, data: Array.from(t.dataSync()) }]),
    );
    const report = target.loadStateDict(plain);
    expect(report).toEqual({ missing: [], unexpected: [] });
    expect(Array.from(target.forward(x, { context }).dataSync())).toEqual(before);
    // Loading copies values: the two modules stay independent.
    source.getParameter('ln_1.weight').assign([1, 1, 1, 1, 1, 1, 1, 2]);
    expect(target.getParameter('ln_1.weight').dataSync()[7]).toBe(1);
  });

  it('loadStateDict lists missing, unexpected and mis-shaped entries and writes nothing', () => {
    const m = new TwoLayer();
    const before = Array.from(m.first.weight.dataSync());
    const dict: Record<string, Tensor> = {
      'first.weight': zeros([2, 3]),
      'first.bias': zeros([4]),
      'third.weight': zeros([1]),
    };
    let message = '';
    try {
      m.loadStateDict(dict);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('loadStateDict (TwoLayer)');
    expect(message).toContain('missing: scale, second.weight');
    expect(message).toContain('unexpected: third.weight');
    expect(message).toContain('mis-shaped: first.bias: expected [3], got [4]');
    expect(Array.from(m.first.weight.dataSync())).toEqual(before); // nothing half-loaded

    // Non-strict: missing and unexpected are reported, shapes are still enforced.
    const report = m.loadStateDict({ 'first.weight': zeros([2, 3]), extra: zeros([1]) }, { strict: false });
    expect(report.missing).toEqual(['scale', 'first.bias', 'second.weight']);
    expect(report.unexpected).toEqual(['extra']);
    expect(Array.from(m.first.weight.dataSync())).toEqual([0, 0, 0, 0, 0, 0]);
    expect(() => m.loadStateDict({ 'first.weight': { shape: [2, 3], data: [1, 2] } }, { strict: false })).toThrow(
      /first.weight: expected 6 values, got 2/,
    );
  });

  it('setParameter ties weights and parameters() lists a shared tensor once', () => {
    class Tied extends Module {
      readonly wte = this.registerModule('wte', new Embedding({ numEmbeddings: 5, embeddingDim: 3 }));
      readonly head = this.registerModule('head', new Linear({ inFeatures: 5, outFeatures: 3, bias: false }));
    }
    const m = new Tied();
    m.setParameter('head.weight', m.wte.weight);
    expect(m.head.weight).toBe(m.wte.weight);
    expect(m.parameters().length).toBe(1);
    expect(m.numParameters()).toBe(15);
    expect(() => m.setParameter('head.weight', zeros([2, 2]))).toThrow(/setParameter: 'head.weight' has shape \[5, 3\]/);
    expect(() => m.getParameter('nothing.weight')).toThrow(/no child 'nothing'/);
  });

  it('layers reject bad input with errors naming the layer', () => {
    expect(() => new Linear({ inFeatures: 3, outFeatures: 2 }).forward(zeros([2, 4]))).toThrow(
      /Linear: expected input \(\.\.\., 3\), got \[2, 4\]/,
    );
    expect(() => new Embedding({ numEmbeddings: 4, embeddingDim: 2 }).forward([1, 4])).toThrow(
      /Embedding: id 4 at position 1 is outside \[0, 4\)/,
    );
    expect(() => new TransformerEncoderBlock({ dModel: 6, nHead: 4 })).toThrow(/dModel 6 is not divisible by nHead 4/);
    expect(() => new TransformerEncoderBlock({ dModel: 4, nHead: 2, norm: 'middle' as 'pre' })).toThrow(
      /norm must be 'pre' or 'post'/,
    );
  });
});
