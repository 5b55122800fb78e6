import { describe, expect, it } from 'vitest';
import {
  type BpeTokenizer,
  CharTokenizer,
  loadGpt2,
  type Tokenizer,
  TokenizerError,
  tokenizerFromFiles,
  tokenizerToFiles,
  trainBpe,
  WordTokenizer,
} from '../src/index.js';
import { readGpt2Files } from './corpus.js';

const reader = (files: Map<string, string>) => (name: string) => files.get(name);

describe('WordTokenizer', () => {
  const words = new WordTokenizer(['<pad>', '.', 'the', 'cat', 'sat', 'it']);

  it('encodes whitespace-separated words, decodes with spaces and labels each id', () => {
    expect(words.kind).toBe('word');
    expect(words.vocabSize).toBe(6);
    expect(words.encode('  the cat\tsat .\n')).toEqual([2, 3, 4, 1]);
    expect(words.decode([2, 3, 4, 1])).toBe('the cat sat .');
    expect(words.label(5)).toBe('it');
  });

  it('names an unknown word, a bad id and a bad list', () => {
    expect(() => words.encode('the dog')).toThrow(/the word "dog" is not in this vocabulary \(6 words/);
    expect(() => words.encode('the dog')).toThrow(TokenizerError);
    expect(() => words.label(6)).toThrow(/id 6 is not in the vocabulary/);
    expect(() => new WordTokenizer(['a', 'b', 'a'])).toThrow(/words\[2\] repeats "a"/);
    expect(() => new WordTokenizer(['a b'])).toThrow(/without whitespace/);
    expect(() => WordTokenizer.fromJSON({ format: 'attn-word', version: 2, words: ['a'] })).toThrow(/unsupported version 2/);
  });
});

describe('tokenizer files', () => {
  const roundTrip = (t: Tokenizer): Tokenizer => tokenizerFromFiles(reader(tokenizerToFiles(t)));

  it('character and word tokenizers go to attn-tokenizer.json and come back equal', () => {
    const chars = CharTokenizer.fromText('to be or not to be');
    const files = tokenizerToFiles(chars);
    expect([...files.keys()]).toEqual(['attn-tokenizer.json']);
    expect(JSON.parse(files.get('attn-tokenizer.json')!)).toEqual({ format: 'attn-tokenizer', version: 1, kind: 'char', chars: [' ', 'b', 'e', 'n', 'o', 'r', 't'], unk: false });
    const back = roundTrip(chars);
    expect(back).toBeInstanceOf(CharTokenizer);
    expect(back.encode('not to be')).toEqual(chars.encode('not to be'));
    const words = new WordTokenizer(['<pad>', 'a', 'b']);
    const wordsBack = roundTrip(words);
    expect(wordsBack.kind).toBe('word');
    expect(wordsBack.encode('b a')).toEqual([2, 1]);
  });

  it("GPT-2's own vocabulary survives vocab.json + merges.txt, id for id", () => {
    const gpt2 = loadGpt2(readGpt2Files());
    const files = tokenizerToFiles(gpt2);
    expect([...files.keys()]).toEqual(['vocab.json', 'merges.txt']);
    expect(files.get('merges.txt')!.split('\n')[0]).toBe('#version: 0.2');
    expect(files.get('merges.txt')!.split('\n')[1]).toBe(readGpt2Files().merges.split('\n')[1]);
    expect(JSON.parse(files.get('vocab.json')!)).toEqual(JSON.parse(readGpt2Files().encoder));
    const back = roundTrip(gpt2) as BpeTokenizer;
    const text = 'Emma Woodhouse, handsome, clever, and rich 🍩 東京';
    expect(back.encode(text)).toEqual(gpt2.encode(text));
    expect([...back.specialTokens]).toEqual([['<|endoftext|>', 50256]]);
    expect(back.label(15496)).toBe('Hello');
  });

  it('a BPE trained here round-trips through the GPT-2 files too', () => {
    const bpe = trainBpe('low lower lowest newer wider '.repeat(20), { vocabSize: 280 });
    const back = roundTrip(bpe);
    expect(back.encode('lowest wider')).toEqual(bpe.encode('lowest wider'));
  });

  it("reads a Hugging Face tokenizer.json when vocab.json and merges.txt are absent", () => {
    const { encoder, merges } = readGpt2Files();
    const json = JSON.stringify({ model: { type: 'BPE', vocab: JSON.parse(encoder), merges: merges.split('\n').slice(1).filter((l) => l !== '').map((l) => l.split(' ')) } });
    const tok = tokenizerFromFiles(reader(new Map([['tokenizer.json', json]])));
    expect(tok.encode('Hello world')).toEqual([15496, 995]);
  });

  it('refuses a truncated or empty merges.txt, naming the file and the line', () => {
    const { encoder, merges } = readGpt2Files();
    const lines = merges.split('\n');
    const files = (m: string) => new Map([['vocab.json', encoder], ['merges.txt', m]]);
    const read = (m: string) => () => tokenizerFromFiles(reader(files(m)), { source: 'ckpt' });
    // Cut at a line boundary: every merge there is valid, the rest of the vocabulary is unmade.
    expect(read(`${lines.slice(0, 1001).join('\n')}\n`)).toThrow(/^ckpt\/merges\.txt line 1001: the merges stop after 1000 rules, but ckpt\/vocab\.json has 49000 tokens that no merge creates/);
    // Cut in the middle of a line.
    expect(read(lines.slice(0, 501).join('\n').slice(0, -2))).toThrow(/^ckpt\/merges\.txt line 501: /);
    expect(read('')).toThrow(/^ckpt\/merges\.txt line 1: the file has no merges, but ckpt\/vocab\.json has 50000 tokens that no merge creates/);
    expect(read('#version: 0.2\n')).toThrow(/^ckpt\/merges\.txt line 1: the file has no merges/);
    expect(read(merges)).not.toThrow();
  });

  it('refuses a missing half, no files at all, and a kind that disagrees with config.json', () => {
    const { encoder } = readGpt2Files();
    expect(() => tokenizerFromFiles(reader(new Map([['vocab.json', encoder]])), { source: 'd' })).toThrow(/^d\/merges\.txt: missing/);
    expect(() => tokenizerFromFiles(reader(new Map()), { source: 'd' })).toThrow(/^d: no tokenizer files \(expected attn-tokenizer\.json/);
    const chars = tokenizerToFiles(CharTokenizer.fromText('ab'));
    expect(() => tokenizerFromFiles(reader(chars), { source: 'd', kind: 'word' })).toThrow(/config\.json says the tokenizer is "word" but the files hold a "char" tokenizer/);
    const bad = new Map([['attn-tokenizer.json', '{"format": "attn-tokenizer", "version": 1, "kind": "morse"}']]);
    expect(() => tokenizerFromFiles(reader(bad), { source: 'd' })).toThrow(/^d\/attn-tokenizer\.json: "kind" must be "char" or "word"/);
  });
});
