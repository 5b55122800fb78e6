import { describe, expect, it } from 'vitest';
import { createCorefLanguage, corefTokenStream } from '../src/index';

const lang = createCorefLanguage({ seed: 1 });
const train = lang.generate('train', 4000, 2);
const heldout = lang.generate('heldout', 1000, 3);
const key = (f: string, a: string, b: string) => `${f}:${a}:${b}`;

describe('coreference language', () => {
  it('records consistent indices: "it", the referent, the distractor and the copied answer', () => {
    for (const e of [...train.slice(0, 1000), ...heldout.slice(0, 500)]) {
      expect(e.tokens[e.itIndex]).toBe('it');
      expect(e.tokens[e.referentIndex]).toBe(e.referent);
      expect(e.tokens[e.distractorIndex]).toBe(e.distractor);
      expect(e.answerIndex).toBe(e.itIndex + 1);
      expect(e.tokens[e.answerIndex]).toBe(e.referent);
      expect(e.referent).not.toBe(e.distractor);
      // The deciding adjective precedes "it", so a causal model can see it there.
      expect(e.tokens.indexOf(e.adjective)).toBeLessThan(e.itIndex);
      expect(e.referentIndex).toBeLessThan(e.itIndex);
      expect(e.distractorIndex).toBeLessThan(e.itIndex);
      expect(e.tokens.at(-1)).toBe('.');
      expect(e.tokens.filter((t) => t === 'it')).toHaveLength(1);
    }
  });

  it('produces the classic trophy/suitcase example', () => {
    const all = [...train, ...heldout].filter((e) => e.tokens.includes('trophy') && e.tokens.includes('suitcase'));
    expect(all.length).toBeGreaterThan(0);
    for (const e of all) expect(e.referent).toBe(['big', 'large', 'wide', 'tall'].includes(e.adjective) ? 'trophy' : 'suitcase');
  });

  it('the adjective alone decides the role of the referent within a family', () => {
    // Role = whether the referent is the family's A noun; derive A nouns from the pair lists.
    const roleA = new Set(lang.trainPairs.map((p) => `${p.family}:${p.a}`));
    const roleOf = new Map<string, boolean>();
    for (const e of train) {
      const isA = roleA.has(`${e.family}:${e.referent}`);
      const k = `${e.family}:${e.adjective}`;
      if (roleOf.has(k)) expect(roleOf.get(k)).toBe(isA);
      else roleOf.set(k, isA);
    }
    // Both roles occur, and the referent is the first-mentioned noun only part of the time.
    expect(new Set(roleOf.values()).size).toBe(2);
    const firstShare = train.filter((e) => e.referentIndex < e.distractorIndex).length / train.length;
    expect(firstShare).toBeGreaterThan(0.35);
    expect(firstShare).toBeLessThan(0.65);
  });

  it('moves the nouns around so position alone does not identify the referent', () => {
    expect(new Set(train.map((e) => e.referentIndex)).size).toBeGreaterThan(4);
    expect(new Set(train.map((e) => e.itIndex)).size).toBeGreaterThan(4);
  });

  it('holds out noun pairs never seen in training, made of nouns that are', () => {
    const trainKeys = new Set(lang.trainPairs.map((p) => key(p.family, p.a, p.b)));
    const heldKeys = new Set(lang.heldOutPairs.map((p) => key(p.family, p.a, p.b)));
    expect(heldKeys.size).toBe(80); // 20% of 4 families x 10 x 10 pairs
    for (const k of heldKeys) expect(trainKeys.has(k)).toBe(false);
    const exampleKey = (e: (typeof train)[number]) => {
      expect([e.referent, e.distractor].sort()).toEqual([e.pair.a, e.pair.b].sort());
      return key(e.pair.family, e.pair.a, e.pair.b);
    };
    for (const e of train) expect(heldKeys.has(exampleKey(e))).toBe(false);
    for (const e of heldout) expect(heldKeys.has(exampleKey(e))).toBe(true);
    const trainNouns = new Set(train.flatMap((e) => [e.referent, e.distractor]));
    for (const p of lang.heldOutPairs) {
      expect(trainNouns.has(p.a)).toBe(true);
      expect(trainNouns.has(p.b)).toBe(true);
    }
  });

  it('is deterministic in both seeds', () => {
    expect(lang.generate('train', 50, 2)).toEqual(train.slice(0, 50));
    expect(lang.generate('train', 50, 4)).not.toEqual(train.slice(0, 50));
    const again = createCorefLanguage({ seed: 1 });
    expect(again.heldOutPairs).toEqual(lang.heldOutPairs);
    expect(createCorefLanguage({ seed: 2 }).heldOutPairs).not.toEqual(lang.heldOutPairs);
  });

  it('has a word-level vocabulary covering every sentence, with <pad> as id 0', () => {
    expect(lang.vocabulary.id('<pad>')).toBe(0);
    const stream = corefTokenStream(heldout.slice(0, 3), lang.vocabulary);
    expect(lang.vocabulary.decode(stream)).toEqual(heldout.slice(0, 3).flatMap((e) => e.tokens));
    const used = new Set([...train, ...heldout].flatMap((e) => e.tokens));
    for (const w of used) expect(lang.vocabulary.has(w)).toBe(true);
    expect(lang.vocabulary.size).toBeLessThan(200);
  });

  it('rejects bad settings', () => {
    expect(() => createCorefLanguage({ heldOutFraction: 0 })).toThrow(/heldOutFraction must be in \(0, 1\)/);
    expect(() => lang.generate('test' as 'train', 1, 0)).toThrow(/split must be 'train' or 'heldout'/);
  });
});
