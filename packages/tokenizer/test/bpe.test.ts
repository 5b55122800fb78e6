import { describe, expect, it } from 'vitest';
import { BpeTokenizer, pretokenize, trainBpe } from '../src/index.js';
import { type MergeRules, mergeSimple, mergeWithHeap, mergeWithRankArray } from '../src/merge.js';
import { PairTable } from '../src/pair-table.js';
import { GPT2_PATTERN, compilePattern } from '../src/pretokenize.js';
import { wtf8Encode } from '../src/wtf8.js';
import { mixedCorpus, readEmma, seededRandom } from './corpus.js';

describe('trainBpe', () => {
  it('learns the textbook merges of "aaabdaaabac" (worked by hand)', () => {
    // Pairs: aa x4, ab x2, rest x1 -> merge (a,a)=256 (non-overlapping: "aaa" -> [aa, a]).
    // Then (aa,a) and (a,b) both occur twice; the tie goes to the smaller pair (97,98) -> 257.
    // Then (aa,ab) x2 -> 258. Every remaining pair occurs once, below minFrequency 2.
    const tok = trainBpe('aaabdaaabac', { vocabSize: 1000 });
    expect(tok.toJSON().merges).toEqual([
      [97, 97, 256],
      [97, 98, 257],
      [256, 257, 258],
    ]);
    expect(tok.encode('aaabdaaabac')).toEqual([258, 100, 258, 97, 99]);
    expect(tok.vocabSize).toBe(259);
  });

  it('matches a naive trainer that recounts every pair after each merge', () => {
    const text = readEmma().slice(50_000, 80_000) + ' 東京 🍩🍩🍩 東京 \ud800\ud800';
    const fast = trainBpe(text, { vocabSize: 600 }).toJSON().merges;
    expect(fast.length).toBe(600 - 256);
    expect(fast).toEqual(naiveTrain(text, 600 - 256));
  });

  it('trains 1 MB of mixed text to vocab 1,000, and every string round-trips', () => {
    const corpus = mixedCorpus();
    const tok = trainBpe(corpus, { vocabSize: 1000, specialTokens: ['<|endoftext|>', '<|pad|>'] });
    expect(tok.vocabSize).toBe(1000);
    expect(tok.specialTokens.get('<|endoftext|>')).toBe(998);
    expect(tok.specialTokens.get('<|pad|>')).toBe(999);
    const sample = corpus.slice(0, 100_000);
    const ids = tok.encode(sample, { disallowedSpecial: [] });
    expect(tok.decode(ids) === sample).toBe(true);
    expect(ids.length).toBeLessThan(new TextEncoder().encode(sample).length / 2); // it learned to compress
    // Save and load: same ids.
    const loaded = BpeTokenizer.fromJSON(JSON.stringify(tok), { source: 'tiny.json' });
    expect(loaded.encode(sample, { disallowedSpecial: [] })).toEqual(ids);
    expect(loaded.encode('a<|pad|>b', { allowedSpecial: ['<|pad|>'] })).toEqual([97, 999, 98]);
  });

  it('never learns merges across special tokens', () => {
    const tok = trainBpe('<|endoftext|>'.repeat(50), { vocabSize: 300, specialTokens: ['<|endoftext|>'] });
    expect(tok.toJSON().merges).toEqual([]);
  });

  it('rejects input that is not text with a clear message', () => {
    const tok = trainBpe('abc abc', { vocabSize: 260 });
    expect(() => tok.encode(42 as unknown as string)).toThrow(/^encode: expected the text as a string, got number/);
    expect(() => trainBpe(null as unknown as string, { vocabSize: 300 })).toThrow(/^trainBpe: expected the training text as a string, got null/);
  });

  it('rejects a vocabulary too small for the bytes and specials', () => {
    expect(() => trainBpe('abc', { vocabSize: 256, specialTokens: ['<s>'] })).toThrow(/trainBpe: vocabSize must be an integer of at least 256 \+ 1/);
  });
});

/** Reference trainer: count all pairs of all words from scratch for every merge. */
function naiveTrain(text: string, numMerges: number): [number, number, number][] {
  const counts = new Map<string, number>();
  for (const piece of pretokenize(text, compilePattern(GPT2_PATTERN))) counts.set(piece, (counts.get(piece) ?? 0) + 1);
  let words = [...counts].map(([w, c]) => ({ ids: Array.from(wtf8Encode(w)), count: c }));
  const merges: [number, number, number][] = [];
  while (merges.length < numMerges) {
    const pairs = new Map<string, number>();
    for (const { ids, count } of words) for (let i = 0; i + 1 < ids.length; i++) pairs.set(`${ids[i]},${ids[i + 1]}`, (pairs.get(`${ids[i]},${ids[i + 1]}`) ?? 0) + count);
    let best: [number, number] | undefined;
    let bestCount = 1; // minFrequency 2
    for (const [key, count] of pairs) {
      const [l, r] = key.split(',').map(Number);
      if (count > bestCount || (count === bestCount && best && (l < best[0] || (l === best[0] && r < best[1])))) {
        best = [l, r];
        bestCount = count;
      }
    }
    if (!best) break;
    const merged = 256 + merges.length;
    merges.push([best[0], best[1], merged]);
    words = words.map(({ ids, count }) => {
      const out: number[] = [];
      for (let i = 0; i < ids.length; i++) {
        if (i + 1 < ids.length && ids[i] === best![0] && ids[i + 1] === best![1]) {
          out.push(merged);
          i++;
        } else out.push(ids[i]);
      }
      return { ids: out, count };
    });
  }
  return merges;
}

describe('merge paths', () => {
  it('the rank-array and heap fast paths agree with the simple reference', () => {
    const tok = trainBpe(readEmma().slice(0, 200_000) + ' '.repeat(300) + '0123456789'.repeat(30), { vocabSize: 800 });
    const merges = tok.toJSON().merges;
    const pairs = new PairTable(merges.length);
    for (const [rank, [l, r]] of merges.entries()) pairs.set(l, r, rank);
    const rules: MergeRules = { pairs, mergedIds: Int32Array.from(merges.map((m) => m[2])) };
    const rand = seededRandom(3);
    const alphabet = Array.from(wtf8Encode(' etaoinshrdlu  0123456789\n'));
    for (let trial = 0; trial < 300; trial++) {
      const ids = Array.from({ length: Math.floor(rand() * 200) }, () => alphabet[Math.floor(rand() * alphabet.length)]);
      const expected = mergeSimple(ids, rules);
      expect(mergeWithRankArray(ids, rules)).toEqual(expected);
      expect(mergeWithHeap(ids, rules)).toEqual(expected);
    }
    // A very long single piece (whitespace run) goes through the heap path.
    const spaces = ' '.repeat(5000);
    expect(tok.decode(tok.encode(spaces))).toBe(spaces);
  });
});

describe('BpeTokenizer.fromJSON', () => {
  const good = trainBpe('hello hello world', { vocabSize: 270 }).toJSON();

  it('names the file and the field that is wrong', () => {
    expect(() => BpeTokenizer.fromJSON('{"format": "attn-bpe",', { source: 'tok.json' })).toThrow(/^tok\.json: not valid JSON/);
    expect(() => BpeTokenizer.fromJSON({ ...good, format: 'x' }, { source: 'tok.json' })).toThrow(/^tok\.json: expected an object with "format": "attn-bpe"/);
    expect(() => BpeTokenizer.fromJSON({ ...good, version: 2 }, { source: 'tok.json' })).toThrow(/unsupported version 2/);
    expect(() => BpeTokenizer.fromJSON({ ...good, byteIds: good.byteIds.slice(1) }, { source: 'tok.json' })).toThrow(/tok\.json: "byteIds" must be an array of 256/);
    const badMerge = { ...good, merges: [...good.merges, [9999, 1, 5000]] };
    expect(() => BpeTokenizer.fromJSON(badMerge, { source: 'tok.json' })).toThrow(new RegExp(`tok\\.json: merges\\[${good.merges.length}\\] uses token 9999 before`));
    expect(() => BpeTokenizer.fromJSON({ ...good, pattern: '(' }, { source: 'tok.json' })).toThrow(/tok\.json: invalid pre-tokenization regex/);
    expect(() => BpeTokenizer.fromJSON({ ...good, specialTokens: { '<s>': 0 } }, { source: 'tok.json' })).toThrow(/uses id 0, which another token already has/);
  });

  it('decode rejects ids outside the vocabulary', () => {
    const tok = BpeTokenizer.fromJSON(good);
    expect(() => tok.decode([104, 1.5])).toThrow(/decode: token id 1.5 at index 1 is not in the vocabulary/);
    expect(() => tok.decode([100000])).toThrow(/token id 100000 at index 0/);
  });

  it('gives the same ids when the piece cache is tiny and keeps starting over', () => {
    const model = trainBpe(readEmma().slice(0, 100_000), { vocabSize: 500 }).toJSON();
    const text = readEmma().slice(100_000, 130_000);
    const uncached = new BpeTokenizer(model, { cacheSize: 0 }).encode(text);
    const tiny = new BpeTokenizer(model, { cacheSize: 3 });
    expect(tiny.encode(text)).toEqual(uncached);
    expect(tiny.encode(text)).toEqual(uncached);
  });

  it('never loses text that a custom pattern does not match', () => {
    const tok = new BpeTokenizer({ pattern: '[a-z]+', byteIds: good.byteIds, merges: good.merges, specialTokens: {} });
    const text = 'hello, World! 42';
    expect(tok.decode(tok.encode(text))).toBe(text);
  });
});
