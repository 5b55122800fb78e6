import fs from 'node:fs';
import { createRequire } from 'node:module';
import { encode as gptTokenizerEncode } from 'gpt-tokenizer/encoding/r50k_base';
import { Tiktoken } from 'js-tiktoken/lite';
import gpt2Ranks from 'js-tiktoken/ranks/gpt2';
import { beforeAll, describe, expect, it } from 'vitest';
import { BpeTokenizer, GPT2_PATTERN, loadGpt2, pretokenize } from '../src/index.js';
import { gpt2PieceEnd } from '../src/gpt2-scanner.js';
import { mixedCorpus, readEmma, readGpt2Files, replaceLoneSurrogates } from './corpus.js';

const oracle = new Tiktoken(gpt2Ranks);
let gpt2: BpeTokenizer;

beforeAll(() => {
  gpt2 = loadGpt2(readGpt2Files());
});

/** Index of the first difference, or -1; keeps failure messages short on 250k-id arrays. */
function firstDifference(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) return i;
  return -1;
}

describe('GPT-2 compatibility', () => {
  it('loads 50,257 tokens with <|endoftext|> as the only special token', () => {
    expect(gpt2.vocabSize).toBe(50257);
    expect([...gpt2.specialTokens]).toEqual([['<|endoftext|>', 50256]]);
  });

  it('gives the same ids as js-tiktoken on Emma, and gpt-tokenizer agrees', () => {
    const emma = readEmma();
    const ours = gpt2.encode(emma);
    expect(firstDifference(ours, oracle.encode(emma))).toBe(-1);
    expect(firstDifference(ours, gptTokenizerEncode(emma))).toBe(-1);
    expect(gpt2.decode(ours)).toBe(emma);
  });

  it('gives the same ids as js-tiktoken on 1 MB of mixed text, and round-trips it exactly', () => {
    const corpus = mixedCorpus();
    expect(corpus.length).toBeGreaterThanOrEqual(1_048_576);
    expect(corpus).toMatch(/\ud800/); // the corpus really holds lone surrogates
    // js-tiktoken sees lone surrogates as U+FFFD (TextEncoder); on that text we must agree id for id.
    const wellFormed = replaceLoneSurrogates(corpus);
    const oracleIds = oracle.encode(wellFormed, [], []);
    expect(firstDifference(gpt2.encode(wellFormed, { disallowedSpecial: [] }), oracleIds)).toBe(-1);
    // On the original, lone surrogates become WTF-8 bytes, so decode gives back every unit.
    const ids = gpt2.encode(corpus, { disallowedSpecial: [] });
    expect(gpt2.decode(ids) === corpus).toBe(true);
    // The well-formed stretches between lone surrogates still match the oracle.
    for (const stretch of corpus.split(/[\ud800-\udfff]/).slice(0, 2000)) {
      if (replaceLoneSurrogates(stretch) !== stretch) continue;
      expect(gpt2.encodeOrdinary(stretch)).toEqual(oracle.encode(stretch, [], []));
    }
  });

  it('the fast scanner cuts text exactly where the GPT-2 regex does', () => {
    const corpus = mixedCorpus(300_000, 5) + "  'S 're're  \t\n\n x'll\u000b\f 12a'' ' '";
    let start = 0;
    let decided = 0;
    for (const piece of pretokenize(corpus, new RegExp(GPT2_PATTERN, 'gu'))) {
      const end = gpt2PieceEnd(corpus, start);
      if (end !== -1) {
        decided++;
        if (end !== start + piece.length) expect({ at: start, scanner: corpus.slice(start, end) }).toEqual({ at: start, scanner: piece });
      }
      start += piece.length;
    }
    expect(decided).toBeGreaterThan(50_000); // the fast path really is used
    const reference = new BpeTokenizer(gpt2.toJSON(), { scanner: 'regex', cacheSize: 0 });
    expect(firstDifference(gpt2.encodeOrdinary(corpus), reference.encodeOrdinary(corpus))).toBe(-1);
  });

  it("passes gpt-tokenizer's r50k_base test plans", () => {
    const require = createRequire(import.meta.url);
    const text = fs.readFileSync(require.resolve('gpt-tokenizer/data/TestPlans.txt'), 'utf8');
    const plans = text
      .split('\n\n')
      .map((block) => block.split('\n'))
      .filter(([name]) => name === 'EncodingName: r50k_base')
      .map(([, sample, encoded]) => ({ sample: sample.split(': ').slice(1).join(': '), encoded: JSON.parse(encoded.split(': ')[1]) as number[] }));
    expect(plans.length).toBe(64);
    for (const { sample, encoded } of plans) {
      expect(gpt2.encode(sample, { allowedSpecial: 'all' }), sample).toEqual(encoded);
      expect(gpt2.decode(encoded)).toBe(sample);
    }
  });

  it('encodes <|endoftext|> only when allowed, like tiktoken', () => {
    const text = 'end<|endoftext|>start';
    expect(() => gpt2.encode(text)).toThrow(/special token "<\|endoftext\|>" at index 3/);
    expect(gpt2.encode(text, { allowedSpecial: ['<|endoftext|>'] })).toEqual(oracle.encode(text, ['<|endoftext|>']));
    expect(gpt2.encode(text, { allowedSpecial: ['<|endoftext|>'] })).toContain(50256);
    expect(gpt2.encode(text, { disallowedSpecial: [] })).toEqual(oracle.encode(text, [], []));
    expect(gpt2.encodeOrdinary(text)).not.toContain(50256);
    expect(() => gpt2.encode(text, { allowedSpecial: ['<|nope|>'] })).toThrow(/not a special token/);
  });

  it('shows the pieces with their byte spans', () => {
    const pieces = gpt2.pieces(' doughnuts');
    expect(pieces.map((p) => p.text)).toEqual([' dough', 'nuts']);
    expect(pieces.map((p) => p.id)).toEqual(oracle.encode(' doughnuts'));
    expect(pieces.map((p) => [p.start, p.end])).toEqual([
      [0, 6],
      [6, 10],
    ]);
    // A multi-byte character split across tokens: spans stay contiguous in bytes.
    const emoji = gpt2.pieces('a 🍩!');
    expect(emoji.map((p) => p.id)).toEqual(oracle.encode('a 🍩!'));
    expect(emoji[0].start).toBe(0);
    for (let i = 1; i < emoji.length; i++) expect(emoji[i].start).toBe(emoji[i - 1].end);
    expect(emoji[emoji.length - 1].end).toBe(new TextEncoder().encode('a 🍩!').length);
    // Character spans: every token that holds part of the doughnut points at all of it.
    expect(pieces.map((p) => [p.charStart, p.charEnd])).toEqual([
      [0, 6],
      [6, 10],
    ]);
    const donutTokens = emoji.filter((p) => p.text.includes('\ufffd'));
    expect(donutTokens.length).toBeGreaterThan(1);
    for (const p of donutTokens) expect('a 🍩!'.slice(p.charStart, p.charEnd)).toMatch(/^ ?🍩$/);
  });

  it('pieces cover the text: byte spans tile the bytes, whole-character tokens give back their text', () => {
    const text = mixedCorpus(20_000, 9);
    const pieces = gpt2.pieces(text, { disallowedSpecial: [] });
    expect(pieces.map((p) => p.id)).toEqual(gpt2.encode(text, { disallowedSpecial: [] }));
    const bytes = gpt2.decodeBytes(pieces.map((p) => p.id));
    let at = 0;
    for (const p of pieces) {
      expect(p.start).toBe(at);
      at = p.end;
      if (!p.text.includes('\ufffd')) expect(text.slice(p.charStart, p.charEnd)).toBe(p.text);
    }
    expect(at).toBe(bytes.length);
    expect(pieces[pieces.length - 1].charEnd).toBe(text.length);
  });

  it('round-trips a save to JSON and back', () => {
    const copy = loadGpt2ViaJson(gpt2);
    const text = 'Emma Woodhouse, handsome, clever, and rich 🍩 東京';
    expect(copy.encode(text)).toEqual(gpt2.encode(text));
  });
});

function loadGpt2ViaJson(tok: BpeTokenizer): BpeTokenizer {
  return BpeTokenizer.fromJSON(JSON.stringify(tok.toJSON()));
}

describe('corrupt or mismatched GPT-2 files', () => {
  const files = readGpt2Files();
  const mergeLines = files.merges.split('\n');
  const withLine = (n: number, text: string) => mergeLines.map((l, i) => (i === n - 1 ? text : l)).join('\n');

  it('names vocab.bpe and the line of a malformed merge', () => {
    expect(() => loadGpt2({ ...files, merges: withLine(5, 'r e x') })).toThrow(/vocab\.bpe line 5: expected two tokens/);
  });

  it('names the line of a merge whose token is not in encoder.json (mismatched files)', () => {
    expect(() => loadGpt2({ ...files, merges: withLine(7, 'Ġt zzzzqqq') })).toThrow(/vocab\.bpe line 7: "zzzzqqq" is not a token in encoder\.json/);
    expect(() => loadGpt2({ ...files, merges: withLine(3, 'Ġt he') })).toThrow(/vocab\.bpe line 3: "he" is used before the line that creates it/);
  });

  it('uses the given file names', () => {
    expect(() => loadGpt2({ ...files, merges: withLine(2, 'oops'), mergesName: 'models/x/merges.txt' })).toThrow(/^models\/x\/merges\.txt line 2:/);
  });

  it('names encoder.json with line and column for bad JSON', () => {
    const broken = files.encoder.replace('"\\"": 1,', '"\\"": 1,\n "x" 7,');
    expect(() => loadGpt2({ ...files, encoder: broken })).toThrow(/encoder\.json line 2, column 6: expected ":"/);
    expect(() => loadGpt2({ ...files, encoder: files.encoder.replace('"#": 2', '"#": -2') })).toThrow(/encoder\.json line 1, column \d+: the id of "#" must be a non-negative integer/);
    expect(() => loadGpt2({ ...files, encoder: files.encoder.slice(0, 5000) })).toThrow(/encoder\.json line 1, column \d+:/);
  });

  it('rejects duplicate ids and missing bytes', () => {
    expect(() => loadGpt2({ ...files, encoder: files.encoder.replace('"$": 3', '"$": 2') })).toThrow(/id 2 is given to both "#" and "\$"/);
    expect(() => loadGpt2({ ...files, encoder: { a: 0 } })).toThrow(/encoder\.json: no token for byte 0x00/);
  });
});
