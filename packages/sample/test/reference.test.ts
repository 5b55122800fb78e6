// The processors against an independent implementation: Hugging Face's logits
// processors run in torch on random logits (fixtures/make_processors.py).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { minP, repetitionPenalty, topK, topP } from '../src/index.js';

interface Case {
  logits: number[];
  k: number;
  topK: number[];
  p: number;
  topP: number[];
  minP: number;
  minPKept: number[];
  penalty: number;
  context: number[];
  penalized: number[];
}
const { cases }: { cases: Case[] } = JSON.parse(readFileSync(new URL('./fixtures/processors.json', import.meta.url), 'utf8'));
const kept = (logits: Float32Array) => [...logits.keys()].filter((i) => logits[i] > Number.NEGATIVE_INFINITY);

describe.each(cases.map((c, i) => [i, c] as const))('torch reference case %i', (_, c) => {
  const logits = Float32Array.from(c.logits);
  it(`top-k(${c.k})`, () => expect(kept(topK(c.k).process(logits, []))).toEqual(c.topK));
  it(`top-p(${c.p})`, () => expect(kept(topP(c.p).process(logits, []))).toEqual(c.topP));
  it(`min-p(${c.minP})`, () => expect(kept(minP(c.minP).process(logits, []))).toEqual(c.minPKept));
  it(`repetition-penalty(${c.penalty})`, () => {
    const out = repetitionPenalty(c.penalty).process(logits, c.context);
    c.penalized.forEach((want, i) => {
      expect(out[i]).toBeCloseTo(want, 5);
    });
  });
});
