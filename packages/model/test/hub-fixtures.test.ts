// The Hub-layout GPT-2 directories made by fixtures/make_hub_checkpoints.py (PyTorch),
// read with the streaming reader: every layout variant (no prefix + mask buffers,
// prefix + lm_head, BF16, sharded F16 with BOOL buffers) gives the tensors PyTorch
// stored (checksums from the script), and a GPT built from them reproduces the
// script's float64 GPT-2 forward: next-token probabilities and all logits within 1e-4.
// Damaged copies of them (another architecture, a missing tensor, a shape that disagrees
// with config.json) are refused with one error naming the file and the tensor or key.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cpuBackend, registerBackend, removeBackend, setBackend } from '@attn/tensor';
import {
  CheckpointError,
  ConfigError,
  GPT,
  gptConfigFromHf,
  loadPretrained,
  openSafetensorsWeights,
  readGptWeights,
} from '../src/index.js';

const HUB = path.join(__dirname, 'fixtures/hub');
const golden = JSON.parse(fs.readFileSync(path.join(HUB, 'golden.json'), 'utf8'));

interface DirectoryInfo {
  weights: 'f32' | 'bf16' | 'f16';
  dtype: 'F32' | 'BF16' | 'F16';
  prefix: boolean;
  lmHead: boolean;
  sharded: boolean;
  buffers: string[];
}

const canonical = (name: string) => (name.startsWith('transformer.') || name === 'lm_head.weight' ? name : `transformer.${name}`);
const isBuffer = (name: string) => /\.attn\.(masked_)?bias$/.test(name);

function softmax(row: Float32Array): number[] {
  const max = Math.max(...row);
  const exps = Array.from(row, (x) => Math.exp(x - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

describe.each(Object.entries(golden.directories as Record<string, DirectoryInfo>))('%s', (name, info) => {
  const dir = path.join(HUB, name);
  const reference = golden.weights[info.weights];

  it('has the layout PyTorch wrote, and the same tensors', async () => {
    const source = await openSafetensorsWeights(dir);
    try {
      const names = [...source.tensors.keys()];
      expect(names.some((n) => n.startsWith('transformer.'))).toBe(info.prefix);
      expect(source.tensors.has('lm_head.weight')).toBe(info.lmHead);
      for (const buffer of info.buffers) expect(names.some((n) => n.endsWith(buffer))).toBe(true);
      expect(source.metadata.format).toBe('pt');
      if (info.sharded) expect(new Set([...source.tensors.values()].map((t) => path.basename(t.file))).size).toBe(2);
      const checked = Object.keys(reference.tensors);
      for (const stored of names.filter((n) => !isBuffer(n) && n !== 'lm_head.weight')) {
        const t = source.tensors.get(stored)!;
        expect(t.dtype).toBe(info.dtype);
        const want = reference.tensors[canonical(stored)];
        const data = await source.readFloat32(stored);
        let sum = 0;
        let sumAbs = 0;
        for (const x of data) {
          sum += x;
          sumAbs += Math.abs(x);
        }
        expect(sum).toBeCloseTo(want.sum, 9);
        expect(sumAbs).toBeCloseTo(want.sumAbs, 9);
        expect(Array.from(data.subarray(0, 3))).toEqual(want.first);
      }
      expect(names.filter((n) => !isBuffer(n) && n !== 'lm_head.weight').map(canonical).sort()).toEqual(checked.sort());
    } finally {
      await source.close();
    }
  });

  it('loads with no options through loadPretrained and gives the golden next-token probabilities and logits (1e-4)', async () => {
    const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
    const { model, tokenizer } = await loadPretrained(dir);
    model.eval();
    expect(tokenizer.kind).toBe('byte-bpe');
    expect(tokenizer.encode(golden.prompt)).toEqual(golden.ids); // the same ids PyTorch's script fed the model
    const ids: number[] = golden.ids;
    const V = config.vocab_size;
    const logits = model.forward(ids).logits.dataSync() as Float32Array; // (1, T, V)
    let worst = 0;
    reference.logits.forEach((row: number[], t: number) => {
      for (let v = 0; v < V; v++) worst = Math.max(worst, Math.abs(row[v] - logits[t * V + v]));
    });
    expect(worst).toBeLessThan(1e-4);
    const probs = softmax(logits.subarray((ids.length - 1) * V, ids.length * V));
    const worstProb = Math.max(...probs.map((p, i) => Math.abs(p - reference.nextTokenProbs[i])));
    expect(worstProb).toBeLessThan(1e-4);
    const top = probs.map((p, i) => [p, i]).sort((a, b) => b[0] - a[0]).slice(0, 3).map((e) => e[1]);
    expect(top).toEqual(reference.top10.slice(0, 3).map((e: { id: number }) => e.id));
  });
});

// The loader copies a tensor larger than its read buffer into the parameter piece by piece
// (Tensor.assignAt); with a 7-float buffer every tensor here takes that path (widening F16 and
// BF16 piece by piece across shards). Parameters on a backend that keeps values off the host
// are read whole instead. Both give PyTorch's logits.
describe.each(Object.keys(golden.directories))('%s, read in 7-float pieces', (name) => {
  const dir = path.join(HUB, name);
  const reference = golden.weights[golden.directories[name].weights];
  const load = async () => {
    const config = gptConfigFromHf(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
    const model = new GPT(config.gpt, { init: false });
    const source = await openSafetensorsWeights(dir);
    try {
      await readGptWeights(model, source, name, { pieceElements: 7 });
    } finally {
      await source.close();
    }
    return model.eval();
  };
  const worstLogit = (model: GPT) => {
    const V = golden.config.vocab_size;
    const logits = model.forward(golden.ids).logits.dataSync();
    let worst = 0;
    reference.logits.forEach((row: number[], t: number) => {
      for (let v = 0; v < V; v++) worst = Math.max(worst, Math.abs(row[v] - logits[t * V + v]));
    });
    return worst;
  };

  it('host memory: every tensor through assignAt, PyTorch’s logits (1e-4)', async () => {
    expect(worstLogit(await load())).toBeLessThan(1e-4);
  });

  it('a backend without in-place writes: whole tensors through assign, the same logits', async () => {
    const { overwrite: _none, ...rest } = cpuBackend;
    registerBackend({ ...rest, name: 'device-like' });
    setBackend('device-like');
    try {
      const model = await load();
      expect(model.getParameter('transformer.wte.weight').writableInPlace).toBe(false);
      expect(worstLogit(model)).toBeLessThan(1e-4);
    } finally {
      removeBackend('device-like');
    }
  });
});

it('covers every variant the issue lists', () => {
  const infos = Object.values(golden.directories as Record<string, DirectoryInfo>);
  expect(new Set(infos.map((i) => i.dtype))).toEqual(new Set(['F32', 'BF16', 'F16']));
  expect(infos.some((i) => !i.prefix) && infos.some((i) => i.prefix)).toBe(true);
  expect(infos.some((i) => i.lmHead) && infos.some((i) => !i.lmHead)).toBe(true);
  expect(infos.some((i) => i.sharded)).toBe(true);
});

// Bad directories, made by damaging copies of the PyTorch-written ones: each is refused with one
// typed error that names the file and the key or tensor, before any weight is used.
describe('bad Hub directories', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'attn-hub-bad-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
  let copies = 0;
  const copyOf = (name: string) => {
    const dir = path.join(tmp, `${name}-${copies++}`);
    fs.cpSync(path.join(HUB, name), dir, { recursive: true });
    return dir;
  };
  const editConfig = (dir: string, changes: Record<string, unknown>) => {
    const file = path.join(dir, 'config.json');
    fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')), ...changes }));
  };
  /** Rewrites one safetensors file of `dir` without tensor `name`, byte for byte otherwise (any dtype: the shards hold BOOL buffers). */
  const dropTensor = (dir: string, file: string, name: string) => {
    const bytes = fs.readFileSync(path.join(dir, file));
    const n = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8'));
    expect(header[name], `${file} holds ${name}`).toBeDefined();
    delete header[name];
    const pieces: Buffer[] = [];
    let offset = 0;
    const entries = Object.entries(header).filter(([key]) => key !== '__metadata__') as [string, { data_offsets: [number, number] }][];
    for (const [, entry] of entries.sort((a, b) => a[1].data_offsets[0] - b[1].data_offsets[0])) {
      const [begin, end] = entry.data_offsets;
      pieces.push(bytes.subarray(8 + n + begin, 8 + n + end));
      entry.data_offsets = [offset, offset + end - begin];
      offset += end - begin;
    }
    const text = Buffer.from(JSON.stringify(header));
    const prefix = Buffer.alloc(8);
    prefix.writeBigUInt64LE(BigInt(text.length));
    fs.writeFileSync(path.join(dir, file), Buffer.concat([prefix, text, ...pieces]));
  };
  const refusal = async (dir: string) => {
    const err = await loadPretrained(dir).then(
      () => null,
      (e: Error) => e,
    );
    expect(err, `${dir} loaded`).not.toBeNull();
    expect(err!.message.split('\n')).toHaveLength(1);
    return err!;
  };

  it('another architecture in config.json: a ConfigError naming config.json and the key', async () => {
    const llama = copyOf('gpt2-saved-f32');
    editConfig(llama, { model_type: 'llama', architectures: ['LlamaForCausalLM'] });
    const e1 = await refusal(llama);
    expect(e1).toBeInstanceOf(ConfigError);
    expect(e1.message).toBe(`${path.join(llama, 'config.json')}: "model_type" is "llama"; only "gpt2" models are supported`);

    const classifier = copyOf('gpt2-hub');
    editConfig(classifier, { architectures: ['GPT2ForSequenceClassification'] });
    const e2 = await refusal(classifier);
    expect(e2).toBeInstanceOf(ConfigError);
    expect(e2.message).toMatch(new RegExp(`^${path.join(classifier, 'config.json')}: "architectures" is \\["GPT2ForSequenceClassification"\\]; attn loads GPT-2 language models`));

    // The bare body (GPT2Model) is a language model with the tied head.
    const body = copyOf('gpt2-hub');
    editConfig(body, { architectures: ['GPT2Model'] });
    await expect(loadPretrained(body)).resolves.toBeDefined();
  });

  it('a missing tensor: a CheckpointError naming the file (the index for shards) and the tensor', async () => {
    const single = copyOf('gpt2-hub');
    dropTensor(single, 'model.safetensors', 'h.1.mlp.c_fc.bias');
    const e1 = await refusal(single);
    expect(e1).toBeInstanceOf(CheckpointError);
    expect(e1.message).toMatch(new RegExp(`^${path.join(single, 'model.safetensors')}: missing tensor "transformer\\.h\\.1\\.mlp\\.c_fc\\.bias" for .*config\\.json's 2-layer`));

    const sharded = copyOf('gpt2-sharded-f16');
    const index = path.join(sharded, 'model.safetensors.index.json');
    const json = JSON.parse(fs.readFileSync(index, 'utf8'));
    const shard = json.weight_map['transformer.ln_f.weight'];
    delete json.weight_map['transformer.ln_f.weight'];
    fs.writeFileSync(index, JSON.stringify(json));
    dropTensor(sharded, shard, 'transformer.ln_f.weight');
    const e2 = await refusal(sharded);
    expect(e2).toBeInstanceOf(CheckpointError);
    expect(e2.message).toMatch(new RegExp(`^${index}: missing tensor "transformer\\.ln_f\\.weight"`));
  });

  it('a shape that disagrees with config.json: a CheckpointError naming the file and the tensor', async () => {
    const longer = copyOf('gpt2-saved-bf16');
    editConfig(longer, { n_positions: 64 });
    const e1 = await refusal(longer);
    expect(e1).toBeInstanceOf(CheckpointError);
    expect(e1.message).toMatch(new RegExp(`^${path.join(longer, 'model.safetensors')}: tensor "transformer\\.wpe\\.weight" has shape \\[32, 32\\], expected \\[64, 32\\]`));

    const wider = copyOf('gpt2-sharded-f16');
    editConfig(wider, { vocab_size: 400 }); // a padded vocabulary the tokenizer fits in, but not the file's wte
    const e2 = await refusal(wider);
    expect(e2).toBeInstanceOf(CheckpointError);
    expect(e2.message).toMatch(new RegExp(`^${path.join(wider, 'model-00001-of-00002.safetensors')}: tensor "transformer\\.wte\\.weight" has shape \\[312, 32\\], expected \\[400, 32\\]`));
  });
});
