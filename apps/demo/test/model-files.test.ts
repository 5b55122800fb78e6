// The page's checks of a picked checkpoint directory, its zips, byte-level BPE text
// against a GPT-2 vocabulary, and the text of generated tokens: pure functions, no browser.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CharTokenizer, loadGpt2, WordTokenizer } from '@attn/tokenizer';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { checkpointDirectory, checkZipSize, filesOfZip, MAX_ZIP_BYTES, type PickedFile, zipCheckpoint } from '../src/model-files';
import { analyseText, BPE_SENTENCE, describeLeftOut, type VocabularyInfo, vocabularyLabels, vocabularySentence, vocabularySize } from '../src/vocab';
import { decodableLogits, tokenTextStream } from '../src/worker/token-text';

const HUB = join(dirname(fileURLToPath(import.meta.url)), '../../../packages/model/test/fixtures/hub/gpt2-hub');
const picked = (...paths: string[]): PickedFile[] => paths.map((path) => ({ path, blob: new Blob([path]) }));
const fail = <T>(checked: { ok: true; value: T } | { ok: false; message: string }): string => {
  if (checked.ok) throw new Error('expected a refusal');
  return checked.message;
};

describe('a picked checkpoint directory', () => {
  it('is the folder that holds config.json, by bare file names; other folders are ignored', () => {
    const checked = checkpointDirectory(picked('runs/gpt2/config.json', 'runs/gpt2/model.safetensors', 'runs/gpt2/vocab.json', 'runs/gpt2/merges.txt', 'runs/notes.md'), 'runs');
    if (!checked.ok) throw new Error(checked.message);
    expect(checked.value.name).toBe('gpt2');
    expect([...checked.value.files.keys()].sort()).toEqual(['config.json', 'merges.txt', 'model.safetensors', 'vocab.json']);
    // loose files (no folder) take the name given for what was picked
    const loose = checkpointDirectory(picked('config.json', 'model.safetensors.index.json', 'attn-tokenizer.json'), 'the picked files');
    expect(loose.ok && loose.value.name).toBe('the picked files');
  });

  it('names what was picked and what was expected when a file is missing', () => {
    expect(fail(checkpointDirectory([], 'empty'))).toMatch(/^empty holds no files: a checkpoint directory holds config\.json, the weights/);
    expect(fail(checkpointDirectory(picked('a/notes.txt', 'a/b.bin'), 'a'))).toBe(
      'No config.json in a (2 files: notes.txt, b.bin): a checkpoint directory holds config.json, the weights (model.safetensors, or shards with model.safetensors.index.json) and the tokenizer (attn-tokenizer.json, or vocab.json + merges.txt).',
    );
    expect(fail(checkpointDirectory(picked('x/one/config.json', 'x/two/config.json'), 'x'))).toBe('x holds 2 checkpoints (x/one/config.json, x/two/config.json): pick one of their folders.');
    expect(fail(checkpointDirectory(picked('gpt2/config.json', 'gpt2/vocab.json'), 'gpt2'))).toBe(
      'No model.safetensors (or model.safetensors.index.json with its shards) in gpt2: it has config.json, vocab.json.',
    );
    expect(fail(checkpointDirectory(picked('g/config.json', 'g/pytorch_model.bin', 'g/vocab.json'), 'g'))).toMatch(
      /^No model\.safetensors .* in g: it has pytorch_model\.bin, PyTorch's own format; convert it in Python with GPT2LMHeadModel\.from_pretrained\(dir\)\.save_pretrained\(dir, safe_serialization=True\)\.$/,
    );
    expect(fail(checkpointDirectory(picked('m/config.json', 'm/model.safetensors'), 'm'))).toBe(
      'No tokenizer in m (config.json, model.safetensors): expected attn-tokenizer.json, or vocab.json + merges.txt (GPT-2), or tokenizer.json.',
    );
  });
});

describe('zips', () => {
  it('a saved checkpoint zips into a folder of its name and unzips to the same files', async () => {
    const files = [
      { name: 'config.json', bytes: new TextEncoder().encode('{"model_type":"gpt2"}').buffer as ArrayBuffer },
      { name: 'model.safetensors', bytes: Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i)).buffer },
    ];
    const zip = zipCheckpoint({ name: 'attn-emma-step-20', steps: 20, files });
    const unzipped = filesOfZip(zip, 'attn-emma-step-20.zip');
    if (!unzipped.ok) throw new Error(unzipped.message);
    expect(unzipped.value.map((f) => f.path).sort()).toEqual(['attn-emma-step-20/config.json', 'attn-emma-step-20/model.safetensors']);
    const weights = unzipped.value.find((f) => f.path.endsWith('.safetensors'))!;
    expect(new Uint8Array(await weights.blob.arrayBuffer())).toEqual(new Uint8Array(files[1].bytes));
  });

  it('skips folders and macOS metadata, refuses what is not a zip, and refuses zips too big to unpack in memory', () => {
    const zip = zipSync({ 'ckpt/': new Uint8Array(0), 'ckpt/config.json': new Uint8Array([123, 125]), '__MACOSX/ckpt/._config.json': new Uint8Array([1]) });
    const checked = filesOfZip(zip, 'c.zip');
    expect(checked.ok && checked.value.map((f) => f.path)).toEqual(['ckpt/config.json']);
    expect(fail(filesOfZip(new TextEncoder().encode('PK not really'), 'fake.zip'))).toMatch(/^fake\.zip is not a readable zip file \(.+\)\.$/);
    expect(checkZipSize('ok.zip', MAX_ZIP_BYTES).ok).toBe(true);
    expect(fail(checkZipSize('gpt2.zip', 523_000_000))).toBe(
      'gpt2.zip is 523 MB (523,000,000 bytes); the page unpacks zips of up to 200 MB (200,000,000 bytes) (a zip is read whole into memory). Unzip it and pick the folder instead: folders of any size are streamed.',
    );
  });
});

describe('byte-level BPE text', () => {
  const gpt2 = loadGpt2({ encoder: readFileSync(join(HUB, 'vocab.json'), 'utf8'), merges: readFileSync(join(HUB, 'merges.txt'), 'utf8') });
  const vocabulary: VocabularyInfo = { kind: 'byte-bpe', size: gpt2.vocabSize, bpe: gpt2.toJSON() };

  it('reads every text; an emoji split over byte tokens is one piece, labelled by its bytes', () => {
    const text = 'the cat 😀 sat';
    const a = analyseText(text, vocabulary, 32);
    expect(a.ids).toEqual(gpt2.encode(text));
    expect(a.unknownCount).toBe(0);
    expect(a.pieces.map((p) => p.text).join('')).toBe(text); // the pieces spell the text
    expect(a.pieces.map((p) => p.text)).toEqual(['the', ' cat', ' ', '😀', ' sat']);
    expect(a.labels).toEqual(['the', ' cat', ' ', '<F0>', '<9F>', '<98>', '<80>', ' sat']);
    expect(vocabularySize(vocabulary)).toBe(312);
    // special-token text is ordinary text here, never an error
    expect(analyseText('<|endoftext|>', vocabulary, 32).ids).toEqual(gpt2.encode('<|endoftext|>', { disallowedSpecial: [] }));
  });

  it('keeps the last blockSize tokens and says how many were left out', () => {
    const a = analyseText('the cat sat on the mat', vocabulary, 4);
    expect(a.ids).toEqual(gpt2.encode('the cat sat on the mat').slice(-4));
    expect(a.pieces.filter((p) => p.status === 'beyond').map((p) => p.text)).toEqual(['the', ' cat']);
    expect(describeLeftOut(a, vocabulary, 4)).toBe('The model reads at most 4 tokens, so the first 2 are left out.');
  });

  it('labels every token of the vocabulary as text, a control character or part of a character by its bytes', () => {
    const labels = vocabularyLabels(vocabulary);
    expect(labels).toHaveLength(312);
    for (const [id, label] of labels.entries()) {
      const bytes = gpt2.tokenToBytes(id);
      const hex = `<${Array.from(bytes, (b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ')}>`;
      const text = new TextDecoder().decode(bytes);
      const whole = !text.includes('\uFFFD') && !Array.from(text).some((c) => (c < ' ' && c !== '\n' && c !== '\t') || c === '\x7f');
      expect(label, `token ${id}`).toBe(whole ? text : hex);
    }
    expect(labels[gpt2.encode(' cat')[0]]).toBe(' cat');
  });

  it('picks an example sentence that fits the context: words dropped from its end', () => {
    const whole = vocabularySentence(vocabulary, 1024);
    expect(whole).toBe(BPE_SENTENCE);
    const fitted = vocabularySentence(vocabulary, 32);
    expect(gpt2.encode(fitted).length).toBeLessThanOrEqual(32);
    expect(BPE_SENTENCE.startsWith(fitted)).toBe(true);
    const oneMore = BPE_SENTENCE.split(' ').slice(0, fitted.split(' ').length + 1).join(' ');
    expect(gpt2.encode(oneMore).length).toBeGreaterThan(32); // as many words as fit
  });
});

describe('generated tokens as text', () => {
  it('holds back the bytes of a character until its last token arrives (byte-level BPE)', () => {
    const gpt2 = loadGpt2({ encoder: readFileSync(join(HUB, 'vocab.json'), 'utf8'), merges: readFileSync(join(HUB, 'merges.txt'), 'utf8') });
    const ids = gpt2.encode(' 😀 cat');
    const next = tokenTextStream(gpt2);
    const pieces = ids.map(next);
    expect(pieces.join('')).toBe(' 😀 cat');
    expect(pieces.some((p) => p.includes('\uFFFD'))).toBe(false);
    expect(pieces.slice(1, 4)).toEqual(['', '', '']); // the emoji's first three bytes print nothing yet
  });

  it('puts a space before each word (they follow the prompt) and characters as they are', () => {
    const words = new WordTokenizer(['the', 'ball', 'fit']);
    const next = tokenTextStream(words);
    expect(`the${[1, 2].map(next).join('')}`).toBe('the ball fit');
    const chars = CharTokenizer.fromText('ab');
    expect([1, 0].map(tokenTextStream(chars)).join('')).toBe('ba');
  });

  it('cuts the logits to the ids the tokenizer has in a padded vocabulary, and leaves them whole otherwise', () => {
    const chars = CharTokenizer.fromText('abc');
    const whole = Float32Array.of(1, 2, 3);
    expect(decodableLogits(chars, whole)).toBe(whole);
    expect(Array.from(decodableLogits(chars, Float32Array.of(1, 2, 3, 9, 9)))).toEqual([1, 2, 3]);
  });
});
