import { describe, expect, it } from 'vitest';
import {
  greedy,
  idsByDescending,
  keepLargest,
  maskAllBut,
  nucleusCount,
  nucleusSize,
  minP,
  multinomial,
  repetitionPenalty,
  sampler,
  softmax,
  temperature,
  topK,
  topP,
} from '../src/index.js';

const NEG = Number.NEGATIVE_INFINITY;
const f32 = (xs: number[]) => Float32Array.from(xs);
/** Ids whose logit survived (is finite). */
const kept = (logits: Float32Array) => [...logits.keys()].filter((i) => logits[i] > NEG);

/** Deterministic pseudo-random logits for property checks. */
function randomLogits(n: number, seed: number): Float32Array {
  let s = seed;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32) * 8 - 4;
  }
  return out;
}

describe('temperature', () => {
  it('divides logits by t', () => {
    expect([...temperature(2).process(f32([2, -4, 1]), [])]).toEqual([1, -2, 0.5]);
  });
  it('t = 0 keeps only the argmax (first on ties)', () => {
    expect([...temperature(0).process(f32([1, 3, 3, 2]), [])]).toEqual([NEG, 3, NEG, NEG]);
  });
  it('sampling with t -> 0 equals greedy for every seed', () => {
    for (let trial = 0; trial < 50; trial++) {
      const logits = randomLogits(100, trial);
      const want = greedy().choose(logits);
      expect(sampler([temperature(0)], multinomial({ seed: trial })).sample(logits)).toBe(want);
      // A tiny positive temperature concentrates essentially all mass on the argmax too.
      expect(sampler([temperature(1e-4)], multinomial({ seed: trial })).sample(logits)).toBe(want);
    }
  });
  it('does not mutate its input', () => {
    const logits = f32([1, 2]);
    temperature(0.5).process(logits, []);
    expect([...logits]).toEqual([1, 2]);
  });
});

describe('topK', () => {
  it('keeps exactly the k largest (ties: lower id)', () => {
    expect(kept(topK(2).process(f32([0.1, 5, 3, 5, -1]), []))).toEqual([1, 3]);
    expect(kept(topK(3).process(f32([1, 2, 2, 2, 0]), []))).toEqual([1, 2, 3]);
    expect(kept(topK(10).process(f32([1, 2]), []))).toEqual([0, 1]);
  });
  it('never emits a token outside the k largest (2000 seeded draws)', () => {
    const k = 5;
    const s = sampler([temperature(3), topK(k)], multinomial({ seed: 7 }));
    for (let trial = 0; trial < 2000; trial++) {
      const logits = randomLogits(50, trial + 1);
      const kthLargest = [...logits].sort((a, b) => b - a)[k - 1];
      expect(logits[s.sample(logits)]).toBeGreaterThanOrEqual(kthLargest);
    }
  });
});

describe('keepLargest (the fast path of top-k and top-p)', () => {
  it('equals the readable reference maskAllBut(idsByDescending) including ties and masked ids', () => {
    for (let trial = 0; trial < 100; trial++) {
      // rounded values make many ties; a few masked ids
      const logits = randomLogits(40, trial + 500).map((x, i) => (i % 7 === 3 ? NEG : Math.round(x)));
      for (const count of [1, 2, 5, 17, 39, 40, 41]) {
        const reference = maskAllBut(logits, idsByDescending(logits).subarray(0, count));
        expect([...keepLargest(logits, logits, count)]).toEqual([...reference]);
      }
    }
  });
});

describe('nucleusCount (the fast path of top-p)', () => {
  it('equals nucleusSize over the sorted probabilities, including ties', () => {
    for (let trial = 0; trial < 100; trial++) {
      const logits = randomLogits(60, trial + 900).map((x, i) => (i % 5 === 0 ? Math.round(x) : x));
      const probs = softmax(logits);
      const descending = Float64Array.from(probs).sort().reverse();
      for (const p of [0.01, 0.3, 0.5, 0.9, 0.999, 1]) expect(nucleusCount(probs, p)).toBe(nucleusSize(descending, p));
    }
    const uniform = softmax(new Float32Array(10));
    expect(nucleusCount(uniform, 0.35)).toBe(4);
  });
});

describe('topP', () => {
  // probabilities 0.5, 0.3, 0.15, 0.05 (as logs)
  const logits = f32([0.15, 0.5, 0.05, 0.3].map(Math.log));
  it('keeps the smallest set whose mass reaches p (hand-computed)', () => {
    expect(kept(topP(0.5).process(logits, []))).toEqual([1]);
    expect(kept(topP(0.51).process(logits, []))).toEqual([1, 3]);
    expect(kept(topP(0.8).process(logits, []))).toEqual([1, 3]); // 0.5 + 0.3 reaches 0.8 exactly
    expect(kept(topP(0.81).process(logits, []))).toEqual([0, 1, 3]);
    expect(kept(topP(0.96).process(logits, []))).toEqual([0, 1, 2, 3]);
    expect(kept(topP(1).process(logits, []))).toEqual([0, 1, 2, 3]);
  });
  it('p = 1 keeps even a tail lighter than float rounding', () => {
    expect(kept(topP(1).process(f32([0, -40, -60]), []))).toEqual([0, 1, 2]);
    expect(kept(topP(0.999).process(f32([0, -40, -60]), []))).toEqual([0]);
  });
  it('on random logits: kept mass >= p, and dropping the least likely kept token falls below p', () => {
    for (let trial = 0; trial < 200; trial++) {
      const l = randomLogits(64, trial + 100);
      const p = 0.05 + (trial % 19) * 0.05;
      const probs = softmax(l);
      const ids = kept(topP(p).process(l, []));
      const mass = ids.reduce((m, i) => m + probs[i], 0);
      const smallest = Math.min(...ids.map((i) => probs[i]));
      expect(mass).toBeGreaterThanOrEqual(p - 1e-9);
      expect(mass - smallest).toBeLessThan(p);
      // and every dropped token is no more likely than every kept one
      const dropped = [...l.keys()].filter((i) => !ids.includes(i));
      for (const d of dropped) expect(probs[d]).toBeLessThanOrEqual(smallest);
    }
  });
});

describe('minP', () => {
  it('keeps tokens with prob >= p * max prob (hand-computed)', () => {
    // probs 0.5, 0.3, 0.15, 0.05: thresholds at p * 0.5
    const logits = f32([0.5, 0.3, 0.15, 0.05].map(Math.log));
    expect(kept(minP(0.5).process(logits, []))).toEqual([0, 1]); // >= 0.25
    expect(kept(minP(0.29).process(logits, []))).toEqual([0, 1, 2]); // >= 0.145
    expect(kept(minP(0.31).process(logits, []))).toEqual([0, 1]); // >= 0.155
    expect(kept(minP(1).process(logits, []))).toEqual([0]);
    expect(kept(minP(0).process(logits, []))).toEqual([0, 1, 2, 3]);
  });
});

describe('repetitionPenalty', () => {
  it('divides positive and multiplies negative logits of seen tokens, once each (hand-computed)', () => {
    const out = repetitionPenalty(2).process(f32([4, -1, 3, 0.5, -2]), [0, 1, 0, 0, 3]);
    expect([...out]).toEqual([2, -2, 3, 0.25, -2]);
  });
  it('lastN only looks at the most recent tokens', () => {
    const out = repetitionPenalty(2, { lastN: 2 }).process(f32([4, -1, 3]), [0, 1, 2]);
    expect([...out]).toEqual([4, -2, 1.5]);
  });
  it('turns a repeat into a different greedy choice', () => {
    const s = sampler([repetitionPenalty(1.5)]);
    expect(s.sample(f32([3, 2.5, 0]), [])).toBe(0);
    expect(s.sample(f32([3, 2.5, 0]), [0])).toBe(1); // 3 / 1.5 = 2 < 2.5
  });
});

describe('greedy', () => {
  it('picks the argmax, first on ties', () => {
    expect(greedy().choose(f32([0, 2, 2, 1]))).toBe(1);
  });
});

describe('bad parameters are clear errors', () => {
  it.each([
    [() => topK(0), /topK: k must be an integer >= 1, got 0/],
    [() => topK(2.5), /topK: k must be an integer >= 1, got 2.5/],
    [() => topK(Number.NaN), /topK: k must be/],
    [() => topP(0), /topP: p must be in \(0, 1\], got 0/],
    [() => topP(1.1), /topP: p must be in \(0, 1\], got 1.1/],
    [() => topP(-0.2), /topP: p must be in \(0, 1\]/],
    [() => temperature(-1), /temperature: t must be a finite number >= 0 \(0 means greedy\), got -1/],
    [() => temperature(Number.POSITIVE_INFINITY), /temperature: t must be/],
    [() => minP(2), /minP: p must be in \[0, 1\], got 2/],
    [() => repetitionPenalty(0), /repetitionPenalty: penalty must be a finite number > 0/],
    [() => repetitionPenalty(1.1, { lastN: -1 }), /repetitionPenalty: lastN must be an integer >= 0/],
    [() => multinomial({ seed: 1.5 }), /multinomial: seed must be an integer/],
    [() => multinomial({ sed: 1 } as never), /multinomial: unknown option 'sed' \(expected seed, rng\)/],
    [() => topK('40' as unknown as number), /topK: k must be an integer >= 1, got "40"/],
  ])('%#', (make, message) => {
    expect(make).toThrow(message);
  });

  it('sampler rejects a chooser in the processor list and NaN logits', () => {
    expect(() => sampler([greedy()] as never)).toThrow(/processors\[0\] is 'greedy', a chooser/);
    expect(() => sampler([topK(2)], topK(3))).toThrow(/second argument must be a chooser/);
    expect(() => sampler().sample(f32([1, Number.NaN]))).toThrow(/sampler: logit 1 is NaN/);
    expect(() => sampler().sample(new Float32Array(0))).toThrow(/logits are empty/);
    expect(() => sampler().sample([1, 2] as never)).toThrow(/logits must be a Float32Array/);
  });

  it('names a processor that produces bad output', () => {
    const broken = { kind: 'processor' as const, name: 'broken', process: (l: Float32Array) => l.map(() => Number.NaN) };
    expect(() => sampler([broken]).sample(f32([1, 2]))).toThrow(/after 'broken'.*NaN/);
  });

  it('every token masked is an error, not a silent token 0', () => {
    const maskAll = { kind: 'processor' as const, name: 'mask-all', process: (l: Float32Array) => l.map(() => NEG) };
    expect(() => sampler([maskAll], multinomial({ seed: 1 })).sample(f32([1, 2]))).toThrow(/every token is masked out/);
  });
});

describe('sampler', () => {
  it('describes its pipeline in order', () => {
    const s = sampler([repetitionPenalty(1.1), temperature(0.8), topK(40), topP(0.9)], multinomial({ seed: 3 }));
    expect(s.describe()).toBe('repetition-penalty(1.1) -> temperature(0.8) -> top-k(40) -> top-p(0.9) -> multinomial(seed=3)');
  });
  it('is reproducible from a seed', () => {
    const draw = (seed: number) => {
      const s = sampler([temperature(1.5)], multinomial({ seed }));
      return Array.from({ length: 30 }, (_, i) => s.sample(randomLogits(20, i + 1)));
    };
    expect(draw(11)).toEqual(draw(11));
    expect(draw(11)).not.toEqual(draw(12));
  });
});
