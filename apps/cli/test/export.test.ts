// `attn train --tokenizer bpe:N` and `attn export --hf`: a byte-level BPE trained on the text is
// saved in GPT-2's files, and export writes a directory in exactly the layout Hugging Face's
// GPT2LMHeadModel.from_pretrained / GPT2TokenizerFast.from_pretrained read. The layout is checked
// here against what transformers expects, written out by hand (CI has no torch; the committed
// packages/model/test/fixtures/make_hub_checkpoints.py check-export reads such a directory with
// PyTorch and compares logits: see the README).
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPretrained, readSafetensorsHeader } from '@attn/model';
import { gpt2Files, trainBpe } from '@attn/tokenizer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'dist', 'main.js');
const HUB = join(root, '../../packages/model/test/fixtures/hub');
const TEXT = 'to be or not to be, that is the question. whether tis nobler in the mind to suffer. '.repeat(30);
let work: string;

function attn(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: work, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function expectUsageError(r: { code: number; stderr: string; stdout: string }, mention: RegExp): void {
  expect(r.code, r.stderr).toBe(2);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(mention);
  expect(r.stdout).toBe('');
}

const read = (...parts: string[]) => readFileSync(join(work, ...parts), 'utf8');
const readJson = (...parts: string[]) => JSON.parse(read(...parts));

/** GPT2LMHeadModel.state_dict() names and shapes for a config, minus the tied lm_head.weight (as HF's safetensors save drops it). */
function gpt2StateDict(c: { vocab_size: number; n_positions: number; n_embd: number; n_layer: number }): Record<string, number[]> {
  const C = c.n_embd;
  const out: Record<string, number[]> = { 'transformer.wte.weight': [c.vocab_size, C], 'transformer.wpe.weight': [c.n_positions, C] };
  for (let i = 0; i < c.n_layer; i++) {
    const p = `transformer.h.${i}.`;
    Object.assign(out, {
      [`${p}ln_1.weight`]: [C],
      [`${p}ln_1.bias`]: [C],
      [`${p}attn.c_attn.weight`]: [C, 3 * C], // Conv1D: [in, out]
      [`${p}attn.c_attn.bias`]: [3 * C],
      [`${p}attn.c_proj.weight`]: [C, C],
      [`${p}attn.c_proj.bias`]: [C],
      [`${p}ln_2.weight`]: [C],
      [`${p}ln_2.bias`]: [C],
      [`${p}mlp.c_fc.weight`]: [C, 4 * C],
      [`${p}mlp.c_fc.bias`]: [4 * C],
      [`${p}mlp.c_proj.weight`]: [4 * C, C],
      [`${p}mlp.c_proj.bias`]: [C],
    });
  }
  out['transformer.ln_f.weight'] = [C];
  out['transformer.ln_f.bias'] = [C];
  return out;
}

beforeAll(() => {
  if (!existsSync(bin)) execFileSync('pnpm', ['build'], { cwd: root, stdio: 'ignore' });
  work = mkdtempSync(join(tmpdir(), 'attn-export-'));
  writeFileSync(join(work, 'hamlet.txt'), TEXT);
  const t = attn('train', '--data', 'hamlet.txt', '--tokenizer', 'bpe:300', '--steps', '4', '--batch', '4', '--eval-every', '2', '--out', 'bpe', '--json', '--backend', 'cpu');
  expect(t.code, t.stderr).toBe(0);
  const c = attn('train', '--data', 'hamlet.txt', '--steps', '2', '--batch', '2', '--eval-every', '2', '--out', 'chars', '--json', '--backend', 'cpu');
  expect(c.code, c.stderr).toBe(0);
}, 120_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('attn train --tokenizer bpe:N', () => {
  it('trains a byte-level BPE on the text (trainBpe, GPT-2 pre-tokenizer, <|endoftext|> last) and saves it as vocab.json + merges.txt', async () => {
    expect(readdirSync(join(work, 'bpe')).sort()).toEqual(
      ['config.json', 'merges.txt', 'model.safetensors', 'special_tokens_map.json', 'tokenizer_config.json', 'training-state.safetensors', 'vocab.json'].sort(),
    );
    // The same vocabulary @attn/tokenizer's trainBpe makes from the text in this process.
    const reference = trainBpe(TEXT, { vocabSize: 300, specialTokens: ['<|endoftext|>'] });
    const files = gpt2Files(reference);
    expect(read('bpe', 'vocab.json')).toBe(files.vocab);
    expect(read('bpe', 'merges.txt')).toBe(files.merges);
    const vocab = readJson('bpe', 'vocab.json');
    const config = readJson('bpe', 'config.json');
    expect(config.vocab_size).toBe(reference.vocabSize);
    expect(config.attn.tokenizer).toBe('byte-bpe');
    expect(config.eos_token_id).toBe(vocab['<|endoftext|>']);
    expect(vocab['<|endoftext|>']).toBe(reference.vocabSize - 1);
    const { tokenizer, model } = await loadPretrained(join(work, 'bpe'));
    expect(tokenizer.encode('to be or not')).toEqual(reference.encode('to be or not'));
    expect(model.vocabSize).toBe(reference.vocabSize);
  });

  it('a resumed run keeps its BPE; bad --tokenizer values are one line and exit 2', () => {
    const r = attn('train', '--resume', '--out', 'bpe', '--steps', '6', '--json', '--backend', 'cpu');
    expect(r.code, r.stderr).toBe(0);
    expect(readJson('bpe', 'config.json').attn.tokenizer).toBe('byte-bpe');
    expectUsageError(attn('train', '--resume', '--out', 'bpe', '--steps', '8', '--tokenizer', 'char'), /--tokenizer char: the checkpoint's tokenizer is bpe:\d+; a resumed run keeps it/);
    expectUsageError(attn('train', '--data', 'hamlet.txt', '--tokenizer', 'bpe:100', '--out', 'x'), /--tokenizer bpe:100: N must be from 257 \(256 bytes \+ <\|endoftext\|>\) to 100000/);
    expectUsageError(attn('train', '--data', 'hamlet.txt', '--tokenizer', 'wordpiece', '--out', 'x'), /--tokenizer wordpiece: expected char or bpe:N/);
    expectUsageError(attn('train', '--corpus', 'coref', '--tokenizer', 'bpe:300', '--out', 'x'), /--tokenizer bpe:300: the coref corpus is a language of words/);
    expect(existsSync(join(work, 'x', 'model.safetensors'))).toBe(false);
  });
});

describe('attn export --hf', () => {
  it('copies a BPE checkpoint into Hugging Face layout, leaving the training state behind', () => {
    const r = attn('export', '--checkpoint', 'bpe', '--hf', 'hf', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const report = JSON.parse(r.stdout);
    expect(report.dropped).toEqual(['training-state.safetensors']);
    expect(report.tokenizer).toEqual({ kind: 'byte-bpe', huggingFace: true });
    const files = ['config.json', 'model.safetensors', 'vocab.json', 'merges.txt', 'tokenizer_config.json', 'special_tokens_map.json'];
    expect(report.files).toEqual(files);
    expect(readdirSync(join(work, 'hf')).sort()).toEqual([...files].sort());
    for (const f of files) expect(readFileSync(join(work, 'hf', f)).equals(readFileSync(join(work, 'bpe', f))), f).toBe(true);
    expect(readdirSync(work).filter((f) => f.includes('.export-'))).toEqual([]); // no staging directory left
  });

  it('writes what GPT2LMHeadModel.from_pretrained reads: GPT2Config keys, state_dict names and shapes in F32, format "pt"', () => {
    const config = readJson('hf', 'config.json');
    expect(config).toMatchObject({ model_type: 'gpt2', architectures: ['GPT2LMHeadModel'], activation_function: 'gelu_new', layer_norm_epsilon: 1e-5, tie_word_embeddings: true, n_inner: null });
    for (const key of ['vocab_size', 'n_positions', 'n_embd', 'n_layer', 'n_head']) expect(Number.isInteger(config[key]) && config[key] > 0, key).toBe(true);
    expect(config.scale_attn_by_inverse_layer_idx).toBe(false);
    const header = readSafetensorsHeader(readFileSync(join(work, 'hf', 'model.safetensors')));
    expect(header.metadata.format).toBe('pt');
    const expected = gpt2StateDict(config);
    const stored = Object.fromEntries([...header.entries].map(([name, e]) => [name, e.shape]));
    expect(stored).toEqual(expected);
    for (const e of header.entries.values()) expect(e.dtype).toBe('F32');
  });

  it('writes what GPT2TokenizerFast.from_pretrained reads: vocab.json, merges.txt, tokenizer_config.json, special tokens in the vocabulary', () => {
    const config = readJson('hf', 'config.json');
    const vocab: Record<string, number> = readJson('hf', 'vocab.json');
    const ids = Object.values(vocab);
    expect(new Set(ids).size).toBe(ids.length);
    expect(Math.max(...ids)).toBe(config.vocab_size - 1);
    const lines = read('hf', 'merges.txt').split('\n');
    expect(lines[0]).toBe('#version: 0.2');
    const merges = lines.slice(1).filter((l) => l !== '');
    expect(merges.length).toBeGreaterThan(0);
    for (const line of merges) {
      const [left, right, ...rest] = line.split(' ');
      expect(rest, line).toEqual([]);
      for (const token of [left, right, left + right]) expect(vocab[token], `${line}: ${token}`).toBeDefined();
    }
    expect(256 + merges.length + 1).toBe(config.vocab_size); // bytes, merges, <|endoftext|>
    const tokenizerConfig = readJson('hf', 'tokenizer_config.json');
    expect(tokenizerConfig).toMatchObject({ tokenizer_class: 'GPT2Tokenizer', model_max_length: config.n_positions, add_prefix_space: false });
    const specials = readJson('hf', 'special_tokens_map.json');
    for (const key of ['bos_token', 'eos_token', 'unk_token']) {
      expect(specials[key]).toBe('<|endoftext|>');
      expect(tokenizerConfig[key]).toBe('<|endoftext|>');
    }
    expect([config.bos_token_id, config.eos_token_id]).toEqual([vocab['<|endoftext|>'], vocab['<|endoftext|>']]);
  });

  it('attn loads the export back: attn inspect gives the same numbers as on the original', () => {
    const a = JSON.parse(attn('inspect', 'bpe', '--prompt', 'to be or not', '--json', '--backend', 'cpu').stdout);
    const b = JSON.parse(attn('inspect', 'hf', '--prompt', 'to be or not', '--json', '--backend', 'cpu').stdout);
    expect(b.next).toEqual(a.next);
    expect(b.tokens).toEqual(a.tokens);
  });

  it('a character model exports weights and config, and says in one line that the tokenizer is attn’s own', () => {
    const r = attn('export', 'chars', '--hf', 'chars-hf');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^exported .*chars to .*chars-hf: config\.json, model\.safetensors, attn-tokenizer\.json \(left out: training-state\.safetensors\)\n$/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^note: the tokenizer is attn's own \(character-level, attn-tokenizer\.json\); transformers loads the weights and config\.json/);
    expect(readdirSync(join(work, 'chars-hf')).sort()).toEqual(['attn-tokenizer.json', 'config.json', 'model.safetensors']);
  });

  it('Hub directories export too: shards with their index, and the tokenizer files GPT2TokenizerFast needs added', () => {
    const sharded = JSON.parse(attn('export', join(HUB, 'gpt2-sharded-f16'), '--hf', 'hub-sharded', '--json').stdout);
    expect(sharded.files).toEqual([
      'config.json',
      'model.safetensors.index.json',
      'model-00001-of-00002.safetensors',
      'model-00002-of-00002.safetensors',
      'vocab.json',
      'merges.txt',
      'tokenizer.json',
      'tokenizer_config.json',
      'special_tokens_map.json',
    ]);
    // The Hub's gpt2 repo layout has no tokenizer_config.json / special_tokens_map.json: they are written.
    const hub = JSON.parse(attn('export', join(HUB, 'gpt2-hub'), '--hf', 'hub', '--json').stdout);
    expect(hub.files.slice(-2)).toEqual(['tokenizer_config.json', 'special_tokens_map.json']);
    expect(readJson('hub', 'tokenizer_config.json')).toMatchObject({ tokenizer_class: 'GPT2Tokenizer', model_max_length: 32, eos_token: '<|endoftext|>' });
    const golden = JSON.parse(readFileSync(join(HUB, 'golden.json'), 'utf8'));
    const next = JSON.parse(attn('inspect', 'hub', '--prompt', golden.prompt, '--json', '--backend', 'cpu').stdout).next;
    expect(next[0].id).toBe(golden.weights.f32.top10[0].id);
  });

  it('refuses, before writing anything, an existing non-empty OUT (unless --force), OUT inside or around DIR, a file, a bad DIR', () => {
    mkdirSync(join(work, 'busy'));
    writeFileSync(join(work, 'busy', 'keep.txt'), 'mine');
    expectUsageError(attn('export', 'bpe', '--hf', 'busy'), /^attn: --hf busy: exists and is not empty; pass --force to replace it$/);
    expect(readdirSync(join(work, 'busy'))).toEqual(['keep.txt']);
    const forced = attn('export', 'bpe', '--hf', 'busy', '--force');
    expect(forced.code, forced.stderr).toBe(0);
    expect(readdirSync(join(work, 'busy'))).not.toContain('keep.txt');
    expect(readdirSync(join(work, 'busy'))).toContain('model.safetensors');
    mkdirSync(join(work, 'empty'));
    expect(attn('export', 'bpe', '--hf', 'empty').code).toBe(0);

    expectUsageError(attn('export', 'bpe', '--hf', 'bpe'), /--hf bpe: is the checkpoint directory itself/);
    expectUsageError(attn('export', 'bpe', '--hf', 'bpe/inner'), /--hf bpe\/inner: is inside the checkpoint directory/);
    expectUsageError(attn('export', 'bpe', '--hf', '.'), /--hf \.: contains the checkpoint directory/);
    expectUsageError(attn('export', 'bpe', '--hf', 'hamlet.txt'), /--hf hamlet\.txt: exists and is a file/);
    expectUsageError(attn('export', 'bpe'), /--hf OUT is required/);
    expectUsageError(attn('export', '--hf', 'y'), /give a checkpoint directory/);
    expectUsageError(attn('export', 'nowhere', '--hf', 'y'), /--checkpoint nowhere: no such directory/);
    expectUsageError(attn('export', 'bpe', '--hf', '/proc/attn-export/out'), /--hf \/proc\/attn-export\/out: \/proc\/attn-export: cannot create the directory/);

    // A damaged checkpoint is refused by the loader; nothing is written.
    cpSync(join(work, 'bpe'), join(work, 'broken'), { recursive: true });
    const config = readJson('broken', 'config.json');
    writeFileSync(join(work, 'broken', 'config.json'), JSON.stringify({ ...config, n_embd: 32 }));
    expectUsageError(attn('export', 'broken', '--hf', 'broken-hf'), /broken\/model\.safetensors: tensor "transformer\.wte\.weight" has shape \[\d+, 64\], expected \[\d+, 32\]/);
    expect(existsSync(join(work, 'broken-hf'))).toBe(false);
    expect(readdirSync(work).filter((f) => f.includes('.export-'))).toEqual([]);
  });
});
