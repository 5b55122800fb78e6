// Training a byte-level BPE vocabulary from text. Start from the 256 bytes and
// repeatedly add the most frequent adjacent pair as a new token. Counting every
// pair again after each merge is O(merges x text); instead we count once and then,
// for each merge, touch only the words that contain the merged pair, adjusting
// the pair counts by what those words lose and gain (incremental updates). A
// max-heap with lazy deletion finds the most frequent pair.
import { BpeTokenizer } from './bpe-tokenizer.js';
import { TokenizerError } from './errors.js';
import { GPT2_PATTERN, compilePattern, pretokenize } from './pretokenize.js';
import { wtf8Encode } from './wtf8.js';

export interface TrainBpeConfig {
  /** Target vocabulary size, special tokens included (at least 256 + specials). */
  vocabSize: number;
  /** Special tokens, given ids after the merges in this order (e.g. ["<|endoftext|>"]). */
  specialTokens?: string[];
  /** Pre-tokenization regex (default GPT-2's). Merges never cross a piece. */
  pattern?: string;
  /** Pairs seen fewer times than this are not merged (default 2); training may stop early. */
  minFrequency?: number;
}

/**
 * Trains a tokenizer on `text`. Special-token text inside `text` is cut out before
 * counting, so the specials never leak into ordinary merges. Ties between equally
 * frequent pairs go to the smaller (left id, right id), which makes training
 * deterministic. Byte b is token b; merge r makes token 256 + r.
 */
export function trainBpe(text: string, config: TrainBpeConfig): BpeTokenizer {
  if (typeof text !== 'string') throw new TokenizerError(`trainBpe: expected the training text as a string, got ${text === null ? 'null' : typeof text}`);
  if (typeof config !== 'object' || config === null) throw new TokenizerError('trainBpe: expected a config object such as { vocabSize: 1000 }');
  const specials = config.specialTokens ?? [];
  const pattern = config.pattern ?? GPT2_PATTERN;
  const minFrequency = config.minFrequency ?? 2;
  if (!Number.isInteger(config.vocabSize) || config.vocabSize < 256 + specials.length) {
    throw new TokenizerError(`trainBpe: vocabSize must be an integer of at least 256 + ${specials.length} special tokens, got ${config.vocabSize}`);
  }
  if (new Set(specials).size !== specials.length || specials.some((s) => typeof s !== 'string' || s === '')) {
    throw new TokenizerError('trainBpe: specialTokens must be distinct non-empty strings');
  }
  const regex = compilePattern(pattern, 'trainBpe');

  // 1. Count pre-token pieces (words); only distinct words are stored.
  let chunks = [text];
  for (const s of specials) chunks = chunks.flatMap((c) => c.split(s));
  const wordCounts = new Map<string, number>();
  for (const chunk of chunks) {
    for (const piece of pretokenize(chunk, regex)) wordCounts.set(piece, (wordCounts.get(piece) ?? 0) + 1);
  }
  const words: number[][] = [];
  const freqs: number[] = [];
  for (const [word, count] of wordCounts) {
    words.push(Array.from(wtf8Encode(word)));
    freqs.push(count);
  }

  // 2. Initial pair counts, and which words contain each pair.
  const numMerges = config.vocabSize - 256 - specials.length;
  const base = config.vocabSize; // pair key = left * base + right, unique while ids < vocabSize
  const pairCounts = new Map<number, number>();
  const pairWords = new Map<number, Set<number>>();
  const addPairs = (w: number, sign: number, changed: Set<number>) => {
    const word = words[w];
    for (let i = 0; i + 1 < word.length; i++) {
      const key = word[i] * base + word[i + 1];
      pairCounts.set(key, (pairCounts.get(key) ?? 0) + sign * freqs[w]);
      changed.add(key);
      if (sign > 0) {
        let set = pairWords.get(key);
        if (!set) pairWords.set(key, (set = new Set()));
        set.add(w);
      }
    }
  };
  const initial = new Set<number>();
  for (let w = 0; w < words.length; w++) addPairs(w, +1, initial);

  // 3. Max-heap of [count, key]; an entry is stale once the pair's count changed.
  const heap = new MaxHeap();
  for (const key of initial) heap.push(pairCounts.get(key)!, key);

  const merges: [number, number, number][] = [];
  while (merges.length < numMerges) {
    const top = heap.pop();
    if (top === undefined) break;
    const [count, key] = top;
    if (pairCounts.get(key) !== count) continue; // stale entry
    if (count < minFrequency) break;
    const left = Math.floor(key / base);
    const right = key % base;
    const merged = 256 + merges.length;
    merges.push([left, right, merged]);
    const changed = new Set<number>();
    for (const w of pairWords.get(key) ?? []) {
      const word = words[w];
      let found = false;
      for (let i = 0; i + 1 < word.length; i++) if (word[i] === left && word[i + 1] === right) found = true;
      if (!found) continue; // the set is not pruned when a word loses a pair
      addPairs(w, -1, changed);
      const out: number[] = [];
      for (let i = 0; i < word.length; i++) {
        if (i + 1 < word.length && word[i] === left && word[i + 1] === right) {
          out.push(merged);
          i++;
        } else out.push(word[i]);
      }
      words[w] = out;
      addPairs(w, +1, changed);
    }
    pairWords.delete(key);
    for (const k of changed) {
      const c = pairCounts.get(k)!;
      if (c > 0) heap.push(c, k);
      else pairCounts.delete(k);
    }
  }

  const byteIds = Array.from({ length: 256 }, (_, b) => b);
  const specialTokens: Record<string, number> = {};
  specials.forEach((s, i) => {
    specialTokens[s] = 256 + merges.length + i;
  });
  return new BpeTokenizer({ pattern, byteIds, merges, specialTokens }, { source: 'trainBpe' });
}

/** A binary max-heap of (count, key) ordered by count, then by smaller key. */
class MaxHeap {
  private counts: number[] = [];
  private keys: number[] = [];

  private above(i: number, j: number): boolean {
    return this.counts[i] > this.counts[j] || (this.counts[i] === this.counts[j] && this.keys[i] < this.keys[j]);
  }

  private swap(i: number, j: number): void {
    [this.counts[i], this.counts[j]] = [this.counts[j], this.counts[i]];
    [this.keys[i], this.keys[j]] = [this.keys[j], this.keys[i]];
  }

  push(count: number, key: number): void {
    this.counts.push(count);
    this.keys.push(key);
    let i = this.counts.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.above(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  pop(): [number, number] | undefined {
    if (this.counts.length === 0) return undefined;
    const top: [number, number] = [this.counts[0], this.keys[0]];
    const last = this.counts.length - 1;
    this.swap(0, last);
    this.counts.pop();
    this.keys.pop();
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let best = i;
      if (l < this.counts.length && this.above(l, best)) best = l;
      if (r < this.counts.length && this.above(r, best)) best = r;
      if (best === i) break;
      this.swap(i, best);
      i = best;
    }
    return top;
  }
}
