// The demo's own logic, without a browser: the worked example against values
// computed by hand (closed forms in float64), the number-field rules, the checks
// of a user's own text, and how typed text is split against a vocabulary.
// The optimiser is @attn/train's, tested there.
import { describe, expect, it } from 'vitest';
import { workedExample } from '@attn/inspect';
import { explainPages } from '../src/explain-pages';
import { CONFIGS, DEFAULT_CONFIG, VALIDATION_FRACTION } from '../src/protocol';
import {
  checkFileSize,
  checkNumber,
  checkTrainingLength,
  MAX_TEXT_BYTES,
  minTrainingChars,
  RULES,
  textFromPaste,
  textFromUserBytes,
} from '../src/validate';
import { analyseText, DEFAULT_SENTENCE, describeLeftOut, describePiece, sampleSentence } from '../src/vocab';

describe('worked example', () => {
  it('matches the seed documents: weights softmax([1,1,2]/sqrt 2), output their mix of the values', () => {
    // The numbers the page shows: the softmax page's weight column and the output page's vector.
    const pages = explainPages(workedExample(), null);
    const softmax = pages[4].blocks[0];
    const outputBlock = pages[5].blocks[1];
    if (softmax.kind !== 'table' || outputBlock.kind !== 'vectors') throw new Error('unexpected page layout');
    const weights = softmax.rows.filter((r) => !r.masked).map((r) => r.cells[1] as number);
    const output = outputBlock.rows[0].values;
    const e1 = Math.exp(1 / Math.SQRT2);
    const e2 = Math.exp(2 / Math.SQRT2);
    const total = 2 * e1 + e2;
    const expected = [e1 / total, e1 / total, e2 / total];
    for (const [i, w] of expected.entries()) expect(weights[i]).toBeCloseTo(w, 6);
    // values cat [2,1], sat [1,3], mat [1,2]
    expect(output[0]).toBeCloseTo(expected[0] * 2 + expected[1] * 1 + expected[2] * 1, 6);
    expect(output[1]).toBeCloseTo(expected[0] * 1 + expected[1] * 3 + expected[2] * 2, 6);
    expect(weights.map((w) => w.toFixed(2))).toEqual(['0.25', '0.25', '0.50']);
    expect(output.map((x) => Number(x.toFixed(2)))).toEqual([1.25, 2]);
  });
});

describe('number fields', () => {
  const fails = (raw: string, rule: Parameters<typeof checkNumber>[1], badInput = false) => {
    const checked = checkNumber(raw, rule, badInput);
    if (checked.ok) throw new Error(`expected ${JSON.stringify(raw)} to be refused, got ${checked.value}`);
    return checked.message;
  };

  it('top-p must be in (0, 1]', () => {
    expect(fails('2', RULES.topP)).toBe('Top-p must be a number greater than 0 and at most 1, not 2.');
    expect(fails('0', RULES.topP)).toContain('greater than 0');
    expect(fails('-0.5', RULES.topP)).toContain('not -0.5');
    expect(checkNumber('1', RULES.topP)).toEqual({ ok: true, value: 1 });
    expect(checkNumber('0.001', RULES.topP)).toEqual({ ok: true, value: 0.001 });
  });

  it('top-k must be a positive whole number', () => {
    expect(fails('-5', RULES.topK)).toBe('Top-k must be a whole number from 1 to 200, not -5.');
    expect(fails('0', RULES.topK)).toContain('not 0');
    expect(fails('2.5', RULES.topK)).toContain('not 2.5');
    expect(checkNumber('1', RULES.topK)).toEqual({ ok: true, value: 1 });
  });

  it('max tokens must stay within the field\'s own max', () => {
    expect(fails('5000', RULES.maxTokens)).toBe('Max tokens must be a whole number from 1 to 2,000, not 5000.');
    expect(checkNumber('2000', RULES.maxTokens)).toEqual({ ok: true, value: 2000 });
  });

  it('steps must be a positive whole number', () => {
    expect(fails('-5', RULES.steps)).toBe('Steps must be a whole number from 1 to 100,000, not -5.');
    expect(fails('0', RULES.steps)).toContain('not 0');
    expect(checkNumber(' 300 ', RULES.steps)).toEqual({ ok: true, value: 300 });
  });

  it('says when the field is empty or not a number', () => {
    expect(fails('', RULES.temperature)).toBe('Temperature must be a number greater than 0 and at most 3; the field is empty.');
    expect(fails('', RULES.temperature, true)).toContain('what is typed is not a number');
    expect(fails('abc', RULES.temperature)).toContain('"abc" is not a number');
    expect(fails('Infinity', RULES.temperature)).toContain('is not a number');
  });
});

describe("a user's own text", () => {
  const bytes = (s: string) => new TextEncoder().encode(s);

  it('states the size limit and refuses a file above it before reading', () => {
    expect(checkFileSize('big.txt', MAX_TEXT_BYTES + 1)).toEqual({
      ok: false,
      message: 'big.txt is 2 MB (2,000,001 bytes); the limit is 2 MB (2,000,000 bytes).',
    });
    expect(checkFileSize('ok.txt', MAX_TEXT_BYTES).ok).toBe(true);
    expect(checkFileSize('empty.txt', 0)).toEqual({ ok: false, message: 'empty.txt is empty; choose a UTF-8 text file.' });
    const pasted = 'x'.repeat(MAX_TEXT_BYTES + 5);
    expect(textFromPaste(pasted)).toEqual({ ok: false, message: 'The pasted text is 2 MB (2,000,005 bytes); the limit is 2 MB (2,000,000 bytes).' });
  });

  it('calls a file with NUL bytes binary, and names invalid UTF-8 with its offset', () => {
    const png = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00);
    expect(textFromUserBytes(png, 'picture.png')).toEqual({
      ok: false,
      message: 'picture.png looks like a binary file, not text (a NUL byte at byte 8); choose a UTF-8 text file.',
    });
    const latin1 = Uint8Array.of(0x63, 0x61, 0x66, 0xe9, 0x20, 0x6f, 0x6b); // "café ok" in Latin-1
    const checked = textFromUserBytes(latin1, 'old.txt');
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.message).toMatch(/^old\.txt: not valid UTF-8 \(first invalid byte 0xe9 at byte offset 3\)/);
    expect(textFromPaste('a\u0000b')).toMatchObject({ ok: false, message: expect.stringContaining('looks like a binary file') });
  });

  it('accepts UTF-8 with emoji and CJK, normalises line ends and drops a BOM', () => {
    expect(textFromUserBytes(bytes('\ufeffline one 🙂\r\n猫 line two\r'), 'notes.txt')).toEqual({ ok: true, value: 'line one 🙂\n猫 line two\n' });
    expect(textFromUserBytes(bytes(' \n\t '), 'blank.txt')).toEqual({ ok: false, message: 'blank.txt holds only whitespace; it needs text to learn from.' });
    expect(textFromPaste('')).toEqual({ ok: false, message: 'Paste some text to train on first (the box is empty).' });
  });

  it('needs enough characters for a training and a held-out window', () => {
    const blockSize = CONFIGS[DEFAULT_CONFIG].blockSize;
    const need = minTrainingChars(blockSize);
    // the held-out last 10% must hold blockSize + 1 characters (a window and its shifted target)
    expect(Math.floor(need * VALIDATION_FRACTION + 1e-9)).toBeGreaterThanOrEqual(blockSize + 1);
    expect(Math.floor((need - 1) * VALIDATION_FRACTION)).toBeLessThan(blockSize + 1);
    expect(checkTrainingLength('a'.repeat(need), blockSize, 'x').ok).toBe(true);
    expect(checkTrainingLength('a'.repeat(need - 1), blockSize, 'The pasted text')).toEqual({
      ok: false,
      message: `The pasted text has ${need - 1} characters; a model reading ${blockSize} at a time needs at least ${need}, because the last 10% is held out for validation.`,
    });
    // characters are code points: 200 emoji are 200 characters, not 400 UTF-16 units
    expect(checkTrainingLength('🙂'.repeat(need - 1), blockSize, 'e').ok).toBe(false);
  });
});

describe('typed text against a vocabulary', () => {
  const chars = { kind: 'char' as const, chars: [' ', ',', '.', 'T', 'a', 'b', 'e', 'h', 'o', 't'] };

  it('marks characters outside the vocabulary and reports them with their code points', () => {
    const a = analyseText('To be 🙂 a 猫.', chars, 64);
    expect(a.pieces.map((p) => p.status)).toEqual([
      'known', 'known', 'known', 'known', 'known', 'known', 'unknown', 'known', 'known', 'known', 'unknown', 'known',
    ]);
    expect(a.labels.join('')).toBe('To be  a .');
    expect(a.ids).toEqual(a.labels.map((c) => chars.chars.indexOf(c)));
    expect(a.unknown).toEqual(['🙂', '猫']);
    expect(describeLeftOut(a, chars, 64)).toBe('2 characters are not in this model\'s vocabulary and left out ("🙂" U+1F642, "猫" U+732B).');
  });

  it('keeps the last blockSize tokens and marks the earlier ones as outside the context', () => {
    const a = analyseText('abababab', { kind: 'char', chars: ['a', 'b'] }, 5);
    expect(a.labels.join('')).toBe('babab');
    expect(a.pieces.map((p) => p.status).join(' ')).toBe('beyond beyond beyond known known known known known');
    expect(a.beyondCount).toBe(3);
    expect(describeLeftOut(a, { kind: 'char', chars: ['a', 'b'] }, 5)).toBe('The model reads at most 5 characters, so the first 3 are left out.');
  });

  it('splits word vocabularies on whitespace and keeps the gaps out of the tokens', () => {
    const words = { kind: 'word' as const, words: ['<pad>', 'the', 'ball', 'it'] };
    const a = analyseText('the  ball fits it', words, 20);
    expect(a.labels).toEqual(['the', 'ball', 'it']);
    expect(a.ids).toEqual([1, 2, 3]);
    expect(a.pieces.map((p) => `${p.status}:${p.text}`)).toEqual(['known:the', 'gap:  ', 'known:ball', 'gap: ', 'unknown:fits', 'gap: ', 'known:it']);
    expect(describeLeftOut(a, words, 20)).toBe('1 word is not in this model\'s vocabulary and left out ("fits").');
  });

  it('names invisible characters by code point only', () => {
    expect(describePiece('\u200b')).toBe('U+200B');
    expect(describePiece('\t')).toBe('U+0009');
    expect(describePiece('é')).toBe('"é" U+00E9');
  });

  it('picks a default sentence that fits the model and its vocabulary', () => {
    const letters = [...new Set(`${DEFAULT_SENTENCE}Hello world`)];
    expect(sampleSentence('anything', letters, 32)).toBe(DEFAULT_SENTENCE);
    expect(DEFAULT_SENTENCE.length).toBeLessThanOrEqual(CONFIGS[DEFAULT_CONFIG].blockSize);
    // "The cat sat on the mat." cannot be spelled: the text's first line, cut at a word to fit
    const text = '\n  alpha beta gamma delta epsilon zeta\nsecond line';
    const chars = [...new Set(text)];
    const s = sampleSentence(text, chars, 20);
    expect(s).toBe('alpha beta gamma');
    expect(analyseText(s, { kind: 'char', chars }, 20)).toMatchObject({ unknownCount: 0, beyondCount: 0 });
  });
});
