import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BpeTokenizer, CharTokenizer, trainBpe } from '../src/index.js';
import { loadGpt2FromDirectory, loadTokenizer, saveTokenizer } from '../src/node.js';
import { readGpt2Files } from './corpus.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attn-tokenizer-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('@attn/tokenizer/node', () => {
  it('loads GPT-2 from a directory and names the real path in errors', () => {
    const files = readGpt2Files();
    fs.writeFileSync(path.join(dir, 'encoder.json'), files.encoder);
    fs.writeFileSync(path.join(dir, 'vocab.bpe'), files.merges.replace('\nh e\n', '\nh e x\n'));
    expect(() => loadGpt2FromDirectory(dir)).toThrow(`${path.join(dir, 'vocab.bpe')} line 4: expected two tokens`);
    fs.writeFileSync(path.join(dir, 'vocab.bpe'), files.merges);
    expect(loadGpt2FromDirectory(dir).encode('Hello world')).toEqual([15496, 995]);
    expect(() => loadGpt2FromDirectory(path.join(dir, 'missing'))).toThrow(/encoder\.json: cannot read \(ENOENT\)/);
  });

  it('saves atomically and loads either kind back', () => {
    const bpe = trainBpe('low lower lowest newer wider '.repeat(20), { vocabSize: 280 });
    const chars = CharTokenizer.fromText('hello');
    saveTokenizer(path.join(dir, 'bpe.json'), bpe);
    saveTokenizer(path.join(dir, 'chars.json'), chars);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const bpe2 = loadTokenizer(path.join(dir, 'bpe.json'));
    expect(bpe2).toBeInstanceOf(BpeTokenizer);
    expect(bpe2.encode('lowest wider')).toEqual(bpe.encode('lowest wider'));
    expect(loadTokenizer(path.join(dir, 'chars.json')).encode('hole')).toEqual(chars.encode('hole'));
    fs.writeFileSync(path.join(dir, 'bad.json'), '{"format": "nope"}');
    expect(() => loadTokenizer(path.join(dir, 'bad.json'))).toThrow(/bad\.json: expected a saved tokenizer/);
    expect(() => saveTokenizer(path.join(dir, 'no-such-dir', 'x.json'), chars)).toThrow(/x\.json: cannot save tokenizer/);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
