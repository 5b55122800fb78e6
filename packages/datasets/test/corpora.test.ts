import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CORPUS_FILES,
  type CorpusFileName,
  gutenbergDirectory,
  loadCorpus,
  loadCorpusFile,
  sha256Hex,
  verifyCorpusBytes,
} from '../src/index';

const dir = gutenbergDirectory();
const names = Object.keys(CORPUS_FILES) as CorpusFileName[];
const tmp = mkdtempSync(join(tmpdir(), 'attn-datasets-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('embedded corpora', () => {
  it('the installed files have the hard-coded sizes and sha256 (checked with node:crypto)', () => {
    for (const name of names) {
      const bytes = readFileSync(join(dir, CORPUS_FILES[name].path));
      expect(bytes.length).toBe(CORPUS_FILES[name].bytes);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(CORPUS_FILES[name].sha256);
    }
  });

  it('shakespeare is hamlet + macbeth + caesar joined by one newline', () => {
    const text = loadCorpus();
    // Every byte becomes one UTF-16 unit (ASCII, plus two Latin-1 0xE6 bytes -> 'æ'),
    // and two '\n' separators join three files.
    expect(text.length).toBe(162881 + 100351 + 112310 + 2);
    expect(text.startsWith('[The Tragedie of Hamlet by William Shakespeare 1599]\n')).toBe(true);
    expect(text.indexOf('[The Tragedie of Macbeth')).toBe(162881 + 1);
    expect(text.indexOf('[The Tragedie of Julius Caesar')).toBe(162881 + 100351 + 2);
    expect(text.includes('\r')).toBe(false);
    expect(text.match(/æ/g)).toHaveLength(2);
    expect(text).toContain('Ant. Cæsar, my Lord');
    expect(text.includes('\uFFFD')).toBe(false);
  });

  it('emma is the larger corpus, plain UTF-8', () => {
    const text = loadCorpus('emma');
    expect(text.length).toBe(887071);
    expect(text.startsWith('[Emma by Jane Austen 1816]')).toBe(true);
  });

  it('unknown corpus names are rejected with the list of choices', () => {
    expect(() => loadCorpus('moby')).toThrow("unknown corpus 'moby'; expected one of: shakespeare, emma");
  });

  it('a changed file fails with its path and both hashes', () => {
    mkdirSync(join(tmp, 'gutenberg'));
    for (const name of names) copyFileSync(join(dir, CORPUS_FILES[name].path), join(tmp, CORPUS_FILES[name].path));
    expect(loadCorpusFile('macbeth', tmp)).toBe(loadCorpusFile('macbeth'));
    const path = join(tmp, CORPUS_FILES.macbeth.path);
    const bytes = readFileSync(path);
    bytes[100] ^= 1;
    writeFileSync(path, bytes);
    const actual = createHash('sha256').update(bytes).digest('hex');
    expect(() => loadCorpus('shakespeare', tmp)).toThrow(
      `${path}: sha256 ${actual} does not match the expected ${CORPUS_FILES.macbeth.sha256}`,
    );
    rmSync(path);
    expect(() => loadCorpusFile('macbeth', tmp)).toThrow(`${path}: cannot read corpus file`);
  });

  it('the browser path (Web Crypto) verifies and decodes to the same text as the Node loader', async () => {
    for (const name of names) {
      const bytes = new Uint8Array(readFileSync(join(dir, CORPUS_FILES[name].path)));
      expect(await sha256Hex(bytes)).toBe(CORPUS_FILES[name].sha256);
      expect(await verifyCorpusBytes(name, bytes)).toBe(loadCorpusFile(name));
    }
    const bad = new Uint8Array(readFileSync(join(dir, CORPUS_FILES.hamlet.path)));
    bad[0] = 0;
    await expect(verifyCorpusBytes('hamlet', bad)).rejects.toThrow(/hamlet: sha256 [0-9a-f]{64} does not match/);
  });
});
