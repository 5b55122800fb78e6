import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '@attn/tensor';
import { decodeLatin1, invalidUtf8Offset, loadTextFile, normalizeText, textFromBytes } from '../src/index';

const tmp = mkdtempSync(join(tmpdir(), 'attn-text-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const file = (name: string, bytes: number[] | string): string => {
  const path = join(tmp, name);
  writeFileSync(path, typeof bytes === 'string' ? bytes : Uint8Array.from(bytes));
  return path;
};

describe('normalisation', () => {
  it('turns CRLF and lone CR into LF and drops a BOM', () => {
    expect(normalizeText('\uFEFFa\r\nb\rc\n\r\nd')).toBe('a\nb\nc\n\nd');
  });

  it('decodes Latin-1 byte-for-byte, matching Node Buffer latin1', () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(decodeLatin1(bytes)).toBe(Buffer.from(bytes).toString('latin1'));
    expect(decodeLatin1(Uint8Array.of(0x43, 0xe6, 0x73))).toBe('Cæs');
  });
});

describe('invalidUtf8Offset', () => {
  it('finds hand-picked invalid sequences', () => {
    const cases: [number[], number][] = [
      [[0x61, 0x62], -1],
      [[0x61, 0xc3, 0xa9], -1], // é
      [[0xf0, 0x9f, 0x98, 0x80], -1], // 😀
      [[0x61, 0x62, 0xff], 2],
      [[0x61, 0xc0, 0x80], 1], // overlong NUL
      [[0xe0, 0x80, 0x80], 0], // overlong
      [[0xed, 0xa0, 0x80], 0], // surrogate U+D800
      [[0xf4, 0x90, 0x80, 0x80], 0], // above U+10FFFF
      [[0x61, 0xe2, 0x82], 1], // truncated
      [[0x80], 0], // lone continuation
    ];
    for (const [bytes, offset] of cases) expect(invalidUtf8Offset(Uint8Array.from(bytes))).toBe(offset);
  });

  it('agrees with TextDecoder({fatal: true}) on random byte strings', () => {
    const rng = new Rng(11);
    const decoder = new TextDecoder('utf-8', { fatal: true });
    for (let trial = 0; trial < 3000; trial++) {
      // Bias towards multi-byte lead and continuation bytes so both outcomes are common.
      const pool = [0x41, 0x7f, 0x80, 0x9f, 0xa0, 0xbf, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xc0];
      const bytes = Uint8Array.from({ length: 1 + rng.int(5) }, () => pool[rng.int(pool.length)]);
      let valid = true;
      try {
        decoder.decode(bytes);
      } catch {
        valid = false;
      }
      expect(invalidUtf8Offset(bytes) === -1).toBe(valid);
    }
  });
});

describe('a user text file', () => {
  it('loads UTF-8 with normalised line ends', () => {
    const path = file('ok.txt', 'héllo\r\nwörld\r\n');
    expect(loadTextFile(path, { blockSize: 4 })).toBe('héllo\nwörld\n');
  });

  it('rejects an empty file, naming it', () => {
    const path = file('empty.txt', []);
    expect(() => loadTextFile(path)).toThrow(`${path}: file is empty`);
  });

  it('rejects a BOM-only file', () => {
    const path = file('bom.txt', [0xef, 0xbb, 0xbf]);
    expect(() => loadTextFile(path)).toThrow(`${path}: file holds only a byte-order mark`);
  });

  it('rejects text shorter than one training window, counting code points', () => {
    const path = file('short.txt', '😀😀😀'); // 3 code points, 6 UTF-16 units
    expect(loadTextFile(path, { blockSize: 2 })).toBe('😀😀😀');
    expect(() => loadTextFile(path, { blockSize: 3 })).toThrow(
      `${path}: too short for one training window: 3 characters, need at least blockSize + 1 = 4`,
    );
  });

  it('rejects invalid UTF-8 with the byte offset', () => {
    const path = file('latin1.txt', [0x43, 0x61, 0x65, 0x73, 0x61, 0x72, 0x20, 0x43, 0xe6, 0x73]);
    expect(() => loadTextFile(path)).toThrow(`${path}: not valid UTF-8 (first invalid byte 0xe6 at byte offset 8)`);
  });

  it('rejects missing files and directories', () => {
    expect(() => loadTextFile(join(tmp, 'nope.txt'))).toThrow(`${join(tmp, 'nope.txt')}: cannot read text file (ENOENT)`);
    expect(() => loadTextFile(tmp)).toThrow(`${tmp}: not a regular file`);
  });

  it('textFromBytes names the source and checks blockSize', () => {
    expect(() => textFromBytes(new Uint8Array(0), { source: 'upload.txt' })).toThrow('upload.txt: file is empty');
    expect(() => textFromBytes(Uint8Array.of(0x61), { source: 'u', blockSize: 0 })).toThrow(/u: blockSize must be/);
  });
});
