import { describe, expect, it } from 'vitest';
import { CharTokenizer, TokenizerError, tokenizerFromFiles, tokenizerToFiles } from '../src/index.js';

describe('CharTokenizer special tokens', () => {
  const tok = new CharTokenizer(['a', 'b'], { specials: ['<pad>', '<bos>', '<eos>'] });

  it('puts the specials first: text never encodes to them, they decode to their names', () => {
    expect(tok.vocabSize).toBe(5);
    expect(tok.encode('ab')).toEqual([3, 4]);
    expect(tok.decode([1, 3, 4, 2])).toBe('<bos>ab<eos>');
    expect(tok.specialId('<eos>')).toBe(2);
    expect(() => tok.specialId('<unk>')).toThrow('no special token "<unk>" (it has <pad>, <bos>, <eos>)');
    expect(() => tok.decode([5])).toThrow('id 5 at index 0 is not in the vocabulary (ids 0..4)');
  });

  it('round-trips through attn-tokenizer.json, and files without specials stay as they were', () => {
    const back = tokenizerFromFiles((name) => tokenizerToFiles(tok).get(name), { source: 'dir' }) as CharTokenizer;
    expect(back.specials).toEqual(['<pad>', '<bos>', '<eos>']);
    expect(back.encode('ba')).toEqual([4, 3]);
    expect(tokenizerToFiles(new CharTokenizer(['a'])).get('attn-tokenizer.json')).not.toContain('specials');
  });

  it('refuses repeated or empty specials', () => {
    expect(() => new CharTokenizer(['a'], { specials: ['<x>', '<x>'] })).toThrow(TokenizerError);
    expect(() => new CharTokenizer(['a'], { specials: [''] })).toThrow('specials[0] must be a non-empty string');
  });
});
