import { describe, expect, it } from 'vitest';
import { CharTokenizer } from '../src/index.js';

describe('CharTokenizer', () => {
  it('numbers the distinct characters in code-point order', () => {
    const tok = CharTokenizer.fromText('hello world');
    expect(tok.chars).toEqual([' ', 'd', 'e', 'h', 'l', 'o', 'r', 'w']);
    expect(tok.encode('hello')).toEqual([3, 2, 4, 4, 5]);
    expect(tok.decode(tok.encode('world hello'))).toBe('world hello');
  });

  it('treats an emoji as one character and round-trips lone surrogates', () => {
    const text = 'a🍩b\ud800';
    const tok = CharTokenizer.fromText(text);
    expect(tok.vocabSize).toBe(4);
    expect(tok.encode('🍩')).toHaveLength(1);
    expect(tok.decode(tok.encode(text))).toBe(text);
  });

  it('names an unknown character and its index', () => {
    const tok = CharTokenizer.fromText('abc');
    expect(() => tok.encode('ab🍩z')).toThrow(/unknown character "🍩" \(U\+1F369\) at index 2/);
    expect(() => tok.encode('abz', { unknown: 'unk' })).toThrow(/needs a tokenizer built with \{ unk: true \}/);
  });

  it('maps unknown characters to <unk> when asked', () => {
    const tok = CharTokenizer.fromText('abc', { unk: true });
    expect(tok.unkId).toBe(3);
    expect(tok.encode('azb', { unknown: 'unk' })).toEqual([0, 3, 1]);
    expect(tok.decode([0, 3])).toBe('a<unk>');
    expect(() => tok.encode('azb')).toThrow(/"z" \(U\+007A\) at index 1/);
  });

  it('saves and loads as JSON, and rejects corrupt files by name', () => {
    const tok = CharTokenizer.fromText('to be or not', { unk: true });
    const copy = CharTokenizer.fromJSON(JSON.stringify(tok), 'vocab.json');
    expect(copy.chars).toEqual(tok.chars);
    expect(copy.encode('bet?', { unknown: 'unk' })).toEqual(tok.encode('bet?', { unknown: 'unk' }));
    expect(() => CharTokenizer.fromJSON('{', 'vocab.json')).toThrow(/^vocab\.json: not valid JSON/);
    expect(() => CharTokenizer.fromJSON({ format: 'attn-char', version: 1, chars: ['a', 'ab'], unk: false }, 'vocab.json')).toThrow(/vocab\.json: chars\[1\] must be exactly one character/);
    expect(() => CharTokenizer.fromJSON({ format: 'attn-char', version: 1, chars: ['a', 'a'], unk: false }, 'vocab.json')).toThrow(/chars\[1\] repeats/);
    expect(() => tok.decode([99])).toThrow(/id 99 at index 0 is not in the vocabulary/);
  });
});
