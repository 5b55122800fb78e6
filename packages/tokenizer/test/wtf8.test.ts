import { describe, expect, it } from 'vitest';
import { wtf8Decode, wtf8Encode } from '../src/index.js';
import { wtf8DecodeReference } from '../src/wtf8.js';
import { seededRandom } from './corpus.js';

/** Random UTF-16 strings that favour the awkward ranges (surrogates, multi-byte). */
function randomString(rand: () => number, length: number): string {
  const ranges = [
    [0x00, 0x7f],
    [0x80, 0x7ff],
    [0x800, 0xffff],
    [0xd800, 0xdfff],
  ];
  let s = '';
  for (let i = 0; i < length; i++) {
    const [lo, hi] = ranges[Math.floor(rand() * ranges.length)];
    s += String.fromCharCode(lo + Math.floor(rand() * (hi - lo + 1)));
  }
  return s;
}

describe('WTF-8', () => {
  it('equals UTF-8 (TextEncoder) on well-formed strings', () => {
    const text = 'héllo 東京 🍩 👨‍👩‍👧 \u0000 \uffff 𐍈';
    expect(Array.from(wtf8Encode(text))).toEqual(Array.from(new TextEncoder().encode(text)));
  });

  it('writes a lone surrogate as its 3-byte sequence and reads it back', () => {
    expect(Array.from(wtf8Encode('\ud800'))).toEqual([0xed, 0xa0, 0x80]);
    expect(Array.from(wtf8Encode('\udfff'))).toEqual([0xed, 0xbf, 0xbf]);
    expect(wtf8Decode(Uint8Array.of(0x61, 0xed, 0xa0, 0x80, 0x62))).toBe('a\ud800b');
  });

  it('round-trips random UTF-16, lone surrogates included', () => {
    const rand = seededRandom(7);
    for (let i = 0; i < 2000; i++) {
      const s = randomString(rand, Math.floor(rand() * 12));
      expect(wtf8Decode(wtf8Encode(s))).toBe(s);
      expect(wtf8DecodeReference(wtf8Encode(s))).toBe(s);
    }
  });

  it('decodes invalid bytes to U+FFFD exactly like TextDecoder', () => {
    const rand = seededRandom(11);
    const decoder = new TextDecoder();
    for (let i = 0; i < 5000; i++) {
      const bytes = Uint8Array.from({ length: Math.floor(rand() * 8) }, () => (rand() < 0.5 ? 0x80 + Math.floor(rand() * 0x80) : Math.floor(rand() * 256)));
      const hasSurrogate = bytes.some((b, j) => b === 0xed && bytes[j + 1] >= 0xa0 && bytes[j + 1] <= 0xbf);
      if (hasSurrogate) continue;
      expect(wtf8DecodeReference(bytes), Array.from(bytes).join(',')).toBe(decoder.decode(bytes));
    }
  });
});
