// A synthetic coreference language in the spirit of the Winograd schema
// ("the trophy did not fit in the suitcase because it was too big / small"),
// designed so that a small causal GPT must attend from "it" to the right noun.
//
// Why the word order is unusual: a GPT's attention at position i sees only
// tokens 0..i. In the classic sentence the predicate that decides the referent
// ("too big") comes AFTER "it", so at "it" the referent is still undecided and
// nothing can make attention from "it" pick the right noun. We therefore state
// the predicate first and put "it" after it, and the word right after "it" is
// the referent noun itself:
//
//   the trophy did not fit in the suitcase because too big was it trophy .
//   the trophy did not fit in the suitcase because too small was it suitcase .
//
// Predicting the token after "it" is then a copy task whose source is decided
// by the predicate: the model must find the right noun and copy it, which is
// exactly attention from "it" to that noun. Copying (rather than, say, a fixed
// word per noun) keeps working on held-out noun pairs, and random modifiers
// ("the old trophy") move the nouns around so position alone cannot solve it.

import { DataError } from './errors';
import { Rng } from '@attn/tensor';
import { Vocabulary } from './vocabulary';

/** A family of sentences: two noun roles and the adjectives that pick each. */
interface Family {
  /** Family name, e.g. 'fit'. */
  name: string;
  /** Nouns of role A (e.g. things that may not fit). */
  nounsA: readonly string[];
  /** Nouns of role B (e.g. containers). */
  nounsB: readonly string[];
  /** Adjectives that make "it" refer to the A noun. */
  adjectivesA: readonly string[];
  /** Adjectives that make "it" refer to the B noun. */
  adjectivesB: readonly string[];
  /** Clause templates; 'A' and 'B' stand for "the [modifier] noun". */
  templates: readonly (readonly string[])[];
}

const FAMILIES: readonly Family[] = [
  {
    name: 'fit',
    nounsA: ['trophy', 'ball', 'book', 'lamp', 'vase', 'guitar', 'helmet', 'pillow', 'statue', 'kettle'],
    nounsB: ['suitcase', 'box', 'bag', 'drawer', 'basket', 'backpack', 'crate', 'cupboard', 'bucket', 'envelope'],
    adjectivesA: ['big', 'large', 'wide', 'tall'],
    adjectivesB: ['small', 'narrow', 'tiny', 'short'],
    templates: [
      ['A', 'did', 'not', 'fit', 'in', 'B'],
      ['B', 'could', 'not', 'hold', 'A'],
    ],
  },
  {
    name: 'cross',
    nounsA: ['animal', 'dog', 'horse', 'cow', 'fox', 'deer', 'goat', 'sheep', 'pig', 'bear'],
    nounsB: ['street', 'river', 'road', 'bridge', 'field', 'highway', 'canal', 'stream', 'valley', 'lake'],
    adjectivesA: ['tired', 'weak', 'slow', 'lazy'],
    adjectivesB: ['wide', 'busy', 'long', 'deep'],
    templates: [
      ['A', 'did', 'not', 'cross', 'B'],
      ['B', 'was', 'not', 'crossed', 'by', 'A'],
    ],
  },
  {
    name: 'lift',
    nounsA: ['man', 'woman', 'boy', 'girl', 'farmer', 'child', 'sailor', 'teacher', 'doctor', 'baker'],
    nounsB: ['rock', 'log', 'table', 'barrel', 'anvil', 'piano', 'sack', 'bench', 'trunk', 'stone'],
    adjectivesA: ['weak', 'frail', 'tired'],
    adjectivesB: ['heavy', 'bulky', 'awkward'],
    templates: [
      ['A', 'could', 'not', 'lift', 'B'],
      ['B', 'was', 'not', 'lifted', 'by', 'A'],
    ],
  },
  {
    name: 'catch',
    nounsA: ['cat', 'hawk', 'wolf', 'owl', 'lion', 'eagle', 'snake', 'tiger', 'shark', 'heron'],
    nounsB: ['mouse', 'rabbit', 'bird', 'fish', 'frog', 'lizard', 'squirrel', 'beetle', 'moth', 'duck'],
    adjectivesA: ['slow', 'clumsy', 'sleepy'],
    adjectivesB: ['fast', 'quick', 'clever'],
    templates: [
      ['A', 'did', 'not', 'catch', 'B'],
      ['B', 'escaped', 'A'],
    ],
  },
];

/** Optional words before a noun; they shift positions so attention must be by content. */
const MODIFIERS = ['old', 'new', 'red', 'blue', 'grey', 'brown'];

/** Words of the tail: "because too <adj> was it <noun> ." */
const TAIL_WORDS = ['because', 'too', 'was', 'it', 'the', '.'];

/** One sentence with its answer. */
export interface CorefExample {
  /** Word-level tokens, ending with '.'. */
  tokens: string[];
  /** Index of the pronoun "it". */
  itIndex: number;
  /** Index of the noun "it" refers to (its mention in the first clause). */
  referentIndex: number;
  /** Index of the other noun. */
  distractorIndex: number;
  /** Index of the copy of the referent right after "it" (= itIndex + 1): the word a model must predict. */
  answerIndex: number;
  /** The referent noun. */
  referent: string;
  /** The distractor noun. */
  distractor: string;
  /** Family name ('fit', 'cross', 'lift' or 'catch'). */
  family: string;
  /** The deciding adjective. */
  adjective: string;
  /** The noun pair this sentence was built from. */
  pair: NounPair;
}

/** An (A, B) noun pair of one family. */
export interface NounPair {
  /** Family name. */
  family: string;
  /** Role-A noun. */
  a: string;
  /** Role-B noun. */
  b: string;
}

/** Settings of {@link createCorefLanguage}. */
export interface CorefConfig {
  /** Seed that decides which noun pairs are held out. */
  seed?: number;
  /** Share of each family's noun pairs reserved for the held-out split, in (0, 1). */
  heldOutFraction?: number;
  /** Probability that a noun gets a modifier ("the old trophy"). */
  modifierProbability?: number;
}

/** A coreference language: vocabulary, the noun-pair split and example generators. */
export interface CorefLanguage {
  /** Word-level vocabulary: '<pad>' is id 0, then every word the language can produce. */
  vocabulary: Vocabulary;
  /** Pairs used by 'train' examples. */
  trainPairs: readonly NounPair[];
  /** Pairs used only by 'heldout' examples; disjoint from trainPairs. */
  heldOutPairs: readonly NounPair[];
  /** `count` examples from one split, deterministic in `seed`. */
  generate(split: 'train' | 'heldout', count: number, seed: number): CorefExample[];
}

const pairKey = (p: NounPair): string => `${p.family}:${p.a}:${p.b}`;

/**
 * Hold out a seeded share of each family's pairs while every noun keeps at least
 * one training pair, so the held-out split tests new combinations of known nouns.
 */
function splitPairs(family: Family, fraction: number, rng: Rng): { train: NounPair[]; heldOut: NounPair[] } {
  const all: NounPair[] = [];
  for (const a of family.nounsA) for (const b of family.nounsB) all.push({ family: family.name, a, b });
  const quota = Math.round(all.length * fraction);
  const trainCount = new Map<string, number>();
  for (const p of all) {
    trainCount.set(p.a, (trainCount.get(p.a) ?? 0) + 1);
    trainCount.set(p.b, (trainCount.get(p.b) ?? 0) + 1);
  }
  const heldOut = new Set<string>();
  for (const p of rng.shuffled(all)) {
    if (heldOut.size === quota) break;
    if (trainCount.get(p.a)! > 1 && trainCount.get(p.b)! > 1) {
      heldOut.add(pairKey(p));
      trainCount.set(p.a, trainCount.get(p.a)! - 1);
      trainCount.set(p.b, trainCount.get(p.b)! - 1);
    }
  }
  return {
    train: all.filter((p) => !heldOut.has(pairKey(p))),
    heldOut: all.filter((p) => heldOut.has(pairKey(p))),
  };
}

/** Every word the language can produce, sorted, for the vocabulary. */
function allWords(): string[] {
  const words = new Set<string>([...TAIL_WORDS, ...MODIFIERS]);
  for (const f of FAMILIES) {
    for (const w of [...f.nounsA, ...f.nounsB, ...f.adjectivesA, ...f.adjectivesB]) words.add(w);
    for (const t of f.templates) for (const w of t) if (w !== 'A' && w !== 'B') words.add(w);
  }
  return [...words].sort();
}

/** Build one sentence for `pair`, choosing template, side, adjective and modifiers with `rng`. */
function sentence(family: Family, pair: NounPair, rng: Rng, modifierProbability: number): CorefExample {
  const template = rng.pick(family.templates);
  const referToA = rng.next() < 0.5;
  const adjective = rng.pick(referToA ? family.adjectivesA : family.adjectivesB);
  const tokens: string[] = [];
  let indexA = -1;
  let indexB = -1;
  for (const word of template) {
    if (word !== 'A' && word !== 'B') {
      tokens.push(word);
      continue;
    }
    tokens.push('the');
    if (rng.next() < modifierProbability) tokens.push(rng.pick(MODIFIERS));
    if (word === 'A') indexA = tokens.push(pair.a) - 1;
    else indexB = tokens.push(pair.b) - 1;
  }
  const referent = referToA ? pair.a : pair.b;
  tokens.push('because', 'too', adjective, 'was', 'it');
  const itIndex = tokens.length - 1;
  tokens.push(referent, '.');
  return {
    tokens,
    itIndex,
    referentIndex: referToA ? indexA : indexB,
    distractorIndex: referToA ? indexB : indexA,
    answerIndex: itIndex + 1,
    referent,
    distractor: referToA ? pair.b : pair.a,
    family: family.name,
    adjective,
    pair,
  };
}

/** Create the coreference language with a seeded held-out split of noun pairs. */
export function createCorefLanguage(config: CorefConfig = {}): CorefLanguage {
  const { seed = 0, heldOutFraction = 0.2, modifierProbability = 0.3 } = config;
  if (!(heldOutFraction > 0 && heldOutFraction < 1)) {
    throw new DataError(`createCorefLanguage: heldOutFraction must be in (0, 1), got ${heldOutFraction}`);
  }
  if (!(modifierProbability >= 0 && modifierProbability <= 1)) {
    throw new DataError(`createCorefLanguage: modifierProbability must be in [0, 1], got ${modifierProbability}`);
  }
  const rng = new Rng(seed);
  const pairs = { train: [] as NounPair[], heldout: [] as NounPair[] };
  for (const family of FAMILIES) {
    const split = splitPairs(family, heldOutFraction, rng);
    pairs.train.push(...split.train);
    pairs.heldout.push(...split.heldOut);
  }
  const familyByName = new Map(FAMILIES.map((f) => [f.name, f]));
  return {
    vocabulary: new Vocabulary(['<pad>', ...allWords()]),
    trainPairs: pairs.train,
    heldOutPairs: pairs.heldout,
    generate(split, count, exampleSeed) {
      if (split !== 'train' && split !== 'heldout') {
        throw new DataError(`CorefLanguage.generate: split must be 'train' or 'heldout', got '${split}'`);
      }
      if (!Number.isInteger(count) || count < 0) {
        throw new DataError(`CorefLanguage.generate: count must be a non-negative integer, got ${count}`);
      }
      const r = new Rng(exampleSeed);
      const pool = pairs[split];
      return Array.from({ length: count }, () => {
        const pair = r.pick(pool);
        return sentence(familyByName.get(pair.family)!, pair, r, modifierProbability);
      });
    },
  };
}

/** Concatenate examples into one token stream for next-word training. */
export function corefTokenStream(examples: readonly CorefExample[], vocabulary: Vocabulary): Int32Array {
  return vocabulary.encode(examples.flatMap((e) => e.tokens));
}
