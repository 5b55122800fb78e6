import { readFileSync } from 'node:fs';
import { greedy, loadSamplerByName, multinomial, sampler, samplerFromSpecs, temperature } from '@attn/sample';
import { describe, expect, it } from 'vitest';
import { createStrategy, typical, typicalityScores } from '../src/index.js';

const NEG = Number.NEGATIVE_INFINITY;
const kept = (logits: Float32Array) => [...logits.keys()].filter((i) => logits[i] > NEG);

// Hand-computed case: probabilities 1/2, 1/4, 1/8, 1/8.
//   -log2 p      = 1, 2, 3, 3 bits
//   H            = 1/2*1 + 1/4*2 + 2 * 1/8*3 = 1.75 bits
//   |-log2 p - H| = 0.75, 0.25, 1.25, 1.25 bits
// Most typical first: token 1 (mass 0.25), token 0 (0.75), token 2 (0.875), token 3 (1).
const LN2 = Math.LN2;
const quarters = Float32Array.from([0.5, 0.25, 0.125, 0.125].map(Math.log));

describe('typical (hand-computed)', () => {
  it('entropy and scores', () => {
    const { entropy, scores } = typicalityScores(quarters);
    expect(entropy).toBeCloseTo(1.75 * LN2, 6);
    const bits = [0.75, 0.25, 1.25, 1.25];
    for (let i = 0; i < 4; i++) expect(scores[i]).toBeCloseTo(bits[i] * LN2, 6);
  });

  it('keeps the most typical tokens until their mass reaches p', () => {
    expect(kept(typical({ p: 0.2 }).process(quarters, []))).toEqual([1]);
    expect(kept(typical({ p: 0.25 }).process(quarters, []))).toEqual([1]);
    expect(kept(typical({ p: 0.5 }).process(quarters, []))).toEqual([0, 1]);
    expect(kept(typical({ p: 0.75 }).process(quarters, []))).toEqual([0, 1]);
    expect(kept(typical({ p: 0.8 }).process(quarters, []))).toEqual([0, 1, 2]); // tie 2 vs 3: lower id
    expect(kept(typical({ p: 1 }).process(quarters, []))).toEqual([0, 1, 2, 3]);
  });

  it('can drop the most likely token, unlike top-p: greedy after typical(0.2) picks token 1', () => {
    expect(sampler([], greedy()).sample(quarters)).toBe(0);
    expect(sampler([typical({ p: 0.2 })], greedy()).sample(quarters)).toBe(1);
    const s = sampler([typical({ p: 0.2 })], multinomial({ seed: 3 }));
    for (let i = 0; i < 50; i++) expect(s.sample(quarters)).toBe(1);
  });

  it('p = 1 keeps even a tail lighter than float rounding', () => {
    expect(kept(typical({ p: 1 }).process(Float32Array.from([0, 0, -40, -60]), []))).toEqual([0, 1, 2, 3]);
  });

  it('minTokensToKeep widens the set', () => {
    expect(kept(typical({ p: 0.2, minTokensToKeep: 3 }).process(quarters, []))).toEqual([0, 1, 2]);
  });

  it('a uniform distribution is all typical: the set is the first tokens reaching p', () => {
    expect(kept(typical({ p: 0.5 }).process(new Float32Array(4), []))).toEqual([0, 1]);
  });

  it('leaves masked tokens masked and its input untouched', () => {
    const logits = Float32Array.from([0, NEG, 0, NEG]);
    expect(kept(typical({ p: 1 }).process(logits, []))).toEqual([0, 2]);
    expect([...logits]).toEqual([0, NEG, 0, NEG]);
  });
});

// Fixture: Hugging Face's TypicalLogitsWarper algorithm run in torch (fixtures/make_typical.py).
const fixture: {
  cases: { logits: number[]; p: number; minTokensToKeep: number; entropy: number; kept: number[] }[];
} = JSON.parse(readFileSync(new URL('./fixtures/typical.json', import.meta.url), 'utf8'));

describe('typical vs the torch reference', () => {
  it.each(fixture.cases.map((c, i) => [i, c] as const))('case %i', (_, c) => {
    const logits = Float32Array.from(c.logits);
    expect(typicalityScores(logits).entropy).toBeCloseTo(c.entropy, 5);
    expect(kept(typical({ p: c.p, minTokensToKeep: c.minTokensToKeep }).process(logits, []))).toEqual(c.kept);
  });
});

describe('bad options', () => {
  it.each([
    [{ p: 0 }, /typical: p must be in \(0, 1\], got 0/],
    [{ p: 1.5 }, /typical: p must be in \(0, 1\], got 1.5/],
    [{ minTokensToKeep: 0 }, /typical: minTokensToKeep must be an integer >= 1, got 0/],
    [{ mass: 0.9 }, /typical: unknown option 'mass' \(expected p, minTokensToKeep\)/],
  ])('%o', (options, message) => {
    expect(() => createStrategy(options)).toThrow(message);
  });
});

describe('found by name, as the CLI does it', () => {
  // This package imports itself by name; Node resolves a package's own name
  // through its exports map, just as the CLI resolves it from its node_modules.
  const importModule = (id: string) => import(/* @vite-ignore */ id);

  it('loadSamplerByName("typical") imports @attn/sample-typical', async () => {
    const strategy = await loadSamplerByName('typical', { p: 0.2 }, { importModule });
    expect(strategy.name).toBe('typical(0.2)');
    expect(strategy.kind === 'processor' && kept(strategy.process(quarters, []))).toEqual([1]);
  });

  it('composes from command-line specs', async () => {
    const s = await samplerFromSpecs(['temperature:t=1', 'typical:p=0.2'], { seed: 1, importModule });
    expect(s.describe()).toBe('temperature(1) -> typical(0.2) -> multinomial(seed=1)');
    expect(s.sample(quarters)).toBe(1);
  });

  it('sees the distribution after temperature (hand-computed)', () => {
    // temperature 0.5 squares the probabilities: 16/22, 4/22, 1/22, 1/22.
    // H = 0.8226 nats; scores |-ln q - H| = 0.504, 0.882, 2.268, 2.268, so token 0
    // is now the most typical (mass 0.727) and token 1 follows (0.909).
    const processed = (p: number) => kept(sampler([temperature(0.5), typical({ p })]).process(quarters));
    expect(processed(0.7)).toEqual([0]);
    expect(processed(0.9)).toEqual([0, 1]);
    expect(processed(0.95)).toEqual([0, 1, 2]);
  });
});
