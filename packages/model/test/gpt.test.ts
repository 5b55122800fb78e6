import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cpuBackend, registerBackend, removeBackend, setBackend, SyncReadError } from '@attn/tensor';
import { afterAll, describe, expect, it } from 'vitest';
import {
  GPT,
  type GPTConfig,
  gptFromSafetensors,
  gptParameterCount,
  gptToSafetensors,
  loadGPT,
  NANOGPT_CPU,
  parseSafetensors,
  CheckpointError,
  readGptWeightsSync,
  safetensorsBytesSource,
  saveGPT,
  serializeSafetensors,
} from '../src/index.js';

const fixtureDir = path.join(__dirname, 'fixtures');
const golden = JSON.parse(fs.readFileSync(path.join(fixtureDir, 'gpt2-tiny.json'), 'utf8')) as {
  batch: number;
  ids: number[];
  targets: number[];
  logitsShape: number[];
  logits: number[];
  loss: number;
};
const fixtureBytes = fs.readFileSync(path.join(fixtureDir, 'gpt2-tiny.safetensors'));
const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'attn-gpt-'));
afterAll(() => fs.rmSync(tmpDir, { recursive: true, force: true }));

const tiny: GPTConfig = { vocabSize: 11, blockSize: 10, nLayer: 2, nHead: 2, nEmbd: 8, dropout: 0, bias: true };

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('GPT config', () => {
  it('refuses impossible configs with clear errors', () => {
    expect(() => new GPT({ ...tiny, nEmbd: 10, nHead: 3 })).toThrow('nEmbd (10) must be divisible by nHead (3)');
    expect(() => new GPT({ ...tiny, nLayer: 0 })).toThrow('nLayer must be a positive integer, got 0');
    expect(() => new GPT({ ...tiny, vocabSize: 2.5 })).toThrow('vocabSize must be a positive integer');
    expect(() => new GPT({ ...tiny, dropout: 1 })).toThrow('dropout must be a number in [0, 1)');
    const { blockSize: _, ...noBlock } = tiny;
    expect(() => new GPT(noBlock)).toThrow('blockSize must be a positive integer, got undefined');
  });

  it('counts parameters in closed form: nanoGPT CPU config is 0.81M', () => {
    // By hand: wte 65*128 + wpe 64*128 + 4 * (12*128^2 weights + 9*128 biases + 4*128 LayerNorm) + 2*128 = 809,856.
    expect(gptParameterCount(NANOGPT_CPU)).toBe(809_856);
    expect((gptParameterCount(NANOGPT_CPU) / 1e6).toFixed(2)).toBe('0.81');
    const model = new GPT(NANOGPT_CPU);
    expect(model.numParameters()).toBe(809_856);
    // nanoGPT reports get_num_params(non_embedding=True), which leaves out wpe: 801,664 = "0.80M".
    expect(gptParameterCount(NANOGPT_CPU, { nonEmbedding: true })).toBe(809_856 - 64 * 128);
    // Without biases (nanoGPT's bias=False, LayerNorms with weights only): 12 C^2 per block.
    const noBias = { ...NANOGPT_CPU, bias: false };
    expect(gptParameterCount(noBias)).toBe(65 * 128 + 64 * 128 + 4 * (2 * 128 + 12 * 128 * 128) + 128);
    expect(new GPT(noBias).numParameters()).toBe(gptParameterCount(noBias));
  });

  it('initialises like GPT-2: N(0, 0.02), residual projections scaled by 1/sqrt(2 nLayer), zero biases, unit LayerNorm gains', () => {
    const model = new GPT({ vocabSize: 100, blockSize: 16, nLayer: 8, nHead: 4, nEmbd: 64 }, { seed: 3 });
    const std = (name: string) => {
      const d = model.getParameter(name).dataSync();
      let s = 0;
      for (const x of d) s += x * x;
      return Math.sqrt(s / d.length);
    };
    expect(std('transformer.wte.weight')).toBeCloseTo(0.02, 3);
    expect(std('transformer.h.0.attn.c_attn.weight')).toBeCloseTo(0.02, 3);
    expect(std('transformer.h.3.mlp.c_fc.weight')).toBeCloseTo(0.02, 3);
    expect(std('transformer.h.0.attn.c_proj.weight')).toBeCloseTo(0.02 / 4, 3);
    expect(std('transformer.h.7.mlp.c_proj.weight')).toBeCloseTo(0.02 / 4, 3);
    expect(std('transformer.h.2.mlp.c_fc.bias')).toBe(0);
    expect(Array.from(model.getParameter('transformer.ln_f.weight').dataSync()).every((x) => x === 1)).toBe(true);
  });
});

describe('GPT forward', () => {
  it('returns (B, T, V) logits and refuses bad input clearly', () => {
    const model = new GPT(tiny).eval();
    const { logits, loss } = model.forward([1, 2, 3, 4, 5, 6], { batch: 2 });
    expect(logits.shape).toEqual([2, 3, 11]);
    expect(loss).toBeUndefined();
    expect(() => model.forward(new Array(11).fill(0))).toThrow('sequence length 11 exceeds blockSize 10');
    expect(() => model.forward([1, 11])).toThrow('token id 11 at index 1 is out of range [0, 11)');
    expect(() => model.forward([1, -1])).toThrow('token id -1 at index 1 is out of range');
    expect(() => model.forward([1, 2, 3], { batch: 2 })).toThrow('3 ids cannot be split into 2 sequences');
    expect(() => model.forward([1, 2], { targets: [1] })).toThrow('1 targets for 2 ids');
    expect(() => model.forward([1, 2], { targets: [1, 42] })).toThrow('target 42 at index 1 is out of range');
  });

  it('matches the PyTorch GPT-2 golden logits and loss (1e-4)', () => {
    const model = gptFromSafetensors(fixtureBytes, { source: 'gpt2-tiny.safetensors' }).eval();
    const { logits, loss } = model.forward(golden.ids, { batch: golden.batch, targets: golden.targets });
    expect(logits.shape).toEqual(golden.logitsShape);
    expect(maxAbsDiff(logits.dataSync(), golden.logits)).toBeLessThan(1e-4);
    expect(Math.abs(loss!.itemSync() - golden.loss)).toBeLessThan(1e-4);
  });

  it('returns causal attention weights per layer and head', () => {
    const model = new GPT(tiny, { seed: 5 }).eval();
    const T = 4;
    const { attention } = model.forward([3, 1, 4, 1, 5, 9, 2, 6], { batch: 2, returnAttention: true });
    expect(attention).toHaveLength(2);
    for (const att of attention!) {
      expect(att.shape).toEqual([2, 2, T, T]); // (B, nh, T, T)
      const d = att.dataSync();
      for (let row = 0; row < 2 * 2 * T; row++) {
        const t = row % T;
        let sum = 0;
        for (let j = 0; j < T; j++) {
          const w = d[row * T + j];
          if (j > t) expect(w).toBe(0); // no looking ahead
          sum += w;
        }
        expect(sum).toBeCloseTo(1, 5);
      }
    }
  });

  it('the loss gradient agrees with central differences', () => {
    const model = new GPT({ ...tiny, nLayer: 1 }, { seed: 9 }).eval();
    const ids = [1, 5, 2, 7, 3];
    const targets = [5, 2, 7, 3, 9];
    const lossAt = () => model.forward(ids, { targets }).loss!.itemSync();
    const { loss } = model.forward(ids, { targets });
    loss!.backward();
    // Check a few entries of several parameters; float32, so a loose tolerance with a wide step.
    for (const name of ['transformer.h.0.attn.c_attn.weight', 'transformer.h.0.mlp.c_proj.weight', 'transformer.wte.weight', 'transformer.ln_f.bias']) {
      const p = model.getParameter(name);
      const data = Float32Array.from(p.dataSync());
      const grad = p.grad!.dataSync();
      const lossWith = (idx: number, value: number) => {
        const copy = data.slice();
        copy[idx] = value;
        p.assign(copy);
        const l = lossAt();
        p.assign(data);
        return l;
      };
      for (const idx of [0, Math.floor(data.length / 2), data.length - 1]) {
        const h = 1e-2;
        const numeric = (lossWith(idx, data[idx] + h) - lossWith(idx, data[idx] - h)) / (2 * h);
        expect(Math.abs(grad[idx] - numeric)).toBeLessThan(2e-3 + 2e-2 * Math.abs(numeric));
      }
    }
  });
});

describe('KV cache decoding', () => {
  for (const [what, make] of [
    ['a fresh model', () => new GPT(tiny, { seed: 11 })],
    ['the golden fixture', () => gptFromSafetensors(fixtureBytes)],
  ] as const) {
    it(`gives the full forward's logits at every step (${what})`, () => {
      const model = make().eval();
      const V = model.vocabSize;
      const ids = Array.from({ length: model.blockSize }, (_, i) => (i * 7 + 3) % V);
      const full = model.forward(ids).logits.dataSync(); // (1, T, V)
      const state = model.startDecoding();
      for (let t = 0; t < ids.length; t++) {
        const step = state.feed([ids[t]]);
        expect(state.length).toBe(t + 1);
        expect(maxAbsDiff(step, full.subarray(t * V, (t + 1) * V))).toBeLessThan(1e-5);
      }
      // Feeding a chunk at once (a prompt) gives the same as token by token.
      const chunked = model.startDecoding();
      chunked.feed(ids.slice(0, 3));
      const after5 = chunked.feed(ids.slice(3, 5));
      expect(maxAbsDiff(after5, full.subarray(4 * V, 5 * V))).toBeLessThan(1e-5);
      expect(() => state.feed([0])).toThrow(`exceed blockSize ${model.blockSize}`);
      expect(() => chunked.feed([V])).toThrow('out of range');
      expect(chunked.length).toBe(5); // the failed feed left the state as it was
    });
  }
});

describe('KV cache decoding with asynchronous reads', () => {
  it('feedAsync gives what feed gives, and works on a backend that reads only asynchronously (as WebGPU)', async () => {
    const model = new GPT(tiny, { seed: 11 }).eval();
    const V = model.vocabSize;
    const ids = Array.from({ length: 6 }, (_, i) => (i * 5 + 1) % V);
    const sync = model.startDecoding();
    const expected = [sync.feed(ids.slice(0, 3)), sync.feed([ids[3]]), sync.feed(ids.slice(4))];
    const viaAsync = model.startDecoding();
    const got = [await viaAsync.feedAsync(ids.slice(0, 3)), await viaAsync.feedAsync([ids[3]]), await viaAsync.feedAsync(ids.slice(4))];
    expect(got).toEqual(expected); // the same computation, read another way: bit for bit

    // The CPU's kernels under another name whose reads are asynchronous only.
    registerBackend({
      ...cpuBackend,
      name: 'async-only',
      syncReads: false,
      readSync: () => {
        throw new SyncReadError('async-only: use await tensor.data()', 'async-only');
      },
    });
    setBackend('async-only');
    try {
      const state = model.startDecoding();
      const first = await state.feedAsync(ids.slice(0, 3));
      expect(() => state.feed([ids[3]])).toThrow(SyncReadError);
      expect(state.length).toBe(3); // the failed read left the cache as it was
      const next = await state.feedAsync([ids[3]]);
      expect(maxAbsDiff(first, expected[0])).toBe(0);
      expect(maxAbsDiff(next, expected[1])).toBe(0);
      await expect(state.feedAsync([V])).rejects.toThrow('out of range');
      expect(state.length).toBe(4);
    } finally {
      setBackend('cpu');
      removeBackend('async-only');
    }
  });
});

describe('GPT checkpoints', () => {
  it('save and load round-trip exactly (F32) and closely (F16) with HF names', async () => {
    const model = new GPT(tiny, { seed: 21 }).eval();
    const file = path.join(tmpDir, 'tiny.safetensors');
    await saveGPT(model, file);
    const loaded = (await loadGPT(file)).eval();
    expect(loaded.config).toEqual(model.config);
    const ids = [1, 2, 3, 4];
    expect(Array.from(loaded.forward(ids).logits.dataSync())).toEqual(Array.from(model.forward(ids).logits.dataSync()));
    const parsed = parseSafetensors(fs.readFileSync(file));
    expect(parsed.metadata.architecture).toBe('gpt2');
    expect(parsed.tensors.get('transformer.h.1.attn.c_attn.weight')!.shape).toEqual([8, 24]); // Conv1D [in, out]
    expect(parsed.tensors.get('transformer.h.0.mlp.c_fc.weight')!.shape).toEqual([8, 32]);
    expect(parsed.tensors.has('lm_head.weight')).toBe(false); // tied to wte: not written (as HF's own safetensors files)
    const half = gptFromSafetensors(gptToSafetensors(model, { dtype: 'F16' })).eval();
    expect(maxAbsDiff(half.forward(ids).logits.dataSync(), model.forward(ids).logits.dataSync())).toBeLessThan(1e-3);
  });

  it('writes zero biases for bias: false so GPT-2 loaders accept it, and reads it back', () => {
    const model = new GPT({ ...tiny, bias: false }, { seed: 2 }).eval();
    const bytes = gptToSafetensors(model);
    expect(parseSafetensors(bytes).tensors.get('transformer.h.0.attn.c_attn.bias')!.data.every((x) => x === 0)).toBe(true);
    const loaded = gptFromSafetensors(bytes).eval();
    expect(loaded.config.bias).toBe(false);
    expect(Array.from(loaded.forward([4, 2]).logits.dataSync())).toEqual(Array.from(model.forward([4, 2]).logits.dataSync()));
  });

  it('reads Hub-style files: no transformer. prefix, no lm_head, config given by the caller', () => {
    const src = parseSafetensors(fixtureBytes);
    const hub = new Map<string, { shape: number[]; data: Float32Array | Int32Array }>();
    for (const [name, t] of src.tensors) if (name !== 'lm_head.weight') hub.set(name.replace(/^transformer\./, ''), t);
    const bytes = serializeSafetensors(hub);
    expect(() => gptFromSafetensors(bytes)).toThrow('pass options.config with at least nHead');
    const model = gptFromSafetensors(bytes, { config: { nHead: 2 } }).eval();
    const { logits } = model.forward(golden.ids, { batch: golden.batch });
    expect(maxAbsDiff(logits.dataSync(), golden.logits)).toBeLessThan(1e-4);
  });

  it('reads big tensors piece by piece into their parameters, refusing bad values wherever the piece boundaries fall', () => {
    const model = new GPT(tiny, { seed: 3 }).eval();
    const good = parseSafetensors(gptToSafetensors(model));
    const read = (edit: (m: Map<string, { shape: number[]; data: Float32Array }>) => void, config = tiny) => {
      const m = new Map([...good.tensors].map(([n, t]) => [n, { shape: t.shape, data: Float32Array.from(t.data) }]));
      edit(m);
      const into = new GPT(config, { init: false });
      readGptWeightsSync(into, safetensorsBytesSource(serializeSafetensors(m), 'x.safetensors'), 'the tiny GPT', { pieceElements: 5 });
      return into.eval();
    };
    // 5-float pieces: wte (11 x 8) arrives in 18 pieces, the last one 3 floats; the result is the model.
    const back = read(() => {});
    expect(Array.from(back.forward([1, 2, 3]).logits.dataSync())).toEqual(Array.from(model.forward([1, 2, 3]).logits.dataSync()));
    // Non-finite values in different pieces: all counted, the first located.
    expect(() =>
      read((m) => {
        const wte = m.get('transformer.wte.weight')!.data;
        wte[2 * 8 + 3] = Number.NaN; // piece 3
        wte[9 * 8 + 6] = Number.NEGATIVE_INFINITY; // piece 15
      }),
    ).toThrow('x.safetensors: tensor "transformer.wte.weight" holds 2 non-finite values (the first, NaN, at [2, 3]); the weights are unusable');
    // A tied head that differs only in its last piece.
    expect(() =>
      read((m) => {
        const head = Float32Array.from(m.get('transformer.wte.weight')!.data);
        head[87] += 1;
        m.set('lm_head.weight', { shape: [11, 8], data: head });
      }),
    ).toThrow('x.safetensors: lm_head.weight differs from transformer.wte.weight; only tied embeddings are supported');
    // A bias-free model's stored zero bias that is non-zero in its second piece.
    const noBias = parseSafetensors(gptToSafetensors(new GPT({ ...tiny, bias: false }, { seed: 3 })));
    expect(() => {
      const m = new Map([...noBias.tensors].map(([n, t]) => [n, { shape: t.shape, data: Float32Array.from(t.data) }]));
      m.get('transformer.h.1.attn.c_attn.bias')!.data[7] = 0.5;
      readGptWeightsSync(new GPT({ ...tiny, bias: false }, { init: false }), safetensorsBytesSource(serializeSafetensors(m), 'y.safetensors'), 'x', { pieceElements: 5 });
    }).toThrow('y.safetensors: the model has no biases (attn.bias false) but tensor "transformer.h.1.attn.c_attn.bias" is non-zero');
  });

  it('refuses checkpoints of another architecture or config with clear errors', () => {
    const model = new GPT(tiny);
    const good = parseSafetensors(gptToSafetensors(model));
    const rewrite = (edit: (m: Map<string, { shape: number[]; data: ArrayLike<number> }>, meta: Record<string, string>) => void) => {
      const m = new Map<string, { shape: number[]; data: ArrayLike<number> }>(good.tensors);
      const meta = { ...good.metadata };
      edit(m, meta);
      return serializeSafetensors(m, meta);
    };
    const load = (bytes: Uint8Array) => () => gptFromSafetensors(bytes, { source: 'x.safetensors' });
    expect(load(rewrite((_, meta) => (meta.architecture = 'transformer')))).toThrow('architecture "transformer", not a GPT');
    expect(load(rewrite((_, meta) => (meta.config = JSON.stringify({ ...tiny, nHead: 4, nEmbd: 16 }))))).toThrow(
      /tensor "transformer.wte.weight" has shape \[11, 8\], expected \[11, 16\]/,
    );
    expect(load(rewrite((m) => m.set('encoder.layers.0.weight', { shape: [1], data: [0] })))).toThrow('x.safetensors: unexpected tensor encoder.layers.0.weight for a GPT');
    expect(load(rewrite((m) => m.delete('transformer.h.1.ln_2.weight')))).toThrow('missing tensor "transformer.h.1.ln_2.weight"');
    expect(load(rewrite((m) => m.set('lm_head.weight', { shape: [11, 8], data: new Float32Array(88) })))).toThrow('only tied embeddings');
    expect(load(rewrite((_, meta) => (meta.config = '{oops')))).toThrow('__metadata__.config is not valid JSON');
    expect(load(rewrite((_, meta) => (meta.config = JSON.stringify({ ...tiny, nHead: 3 }))))).toThrow(CheckpointError);
  });
});
