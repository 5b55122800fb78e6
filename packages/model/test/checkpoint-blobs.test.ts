// checkpointFromBlobs: a checkpoint directory as file name -> Blob (what a browser's
// directory picker gives), streamed into a GPT. The Hub-layout fixtures (PyTorch's
// goldens) load with every layout variant and give PyTorch's logits within 1e-4; attn's
// own checkpoints round-trip exactly; bad directories fail naming the file.
import fs from 'node:fs';
import path from 'node:path';
import { CharTokenizer } from '@attn/tokenizer';
import { describe, expect, it } from 'vitest';
import { CheckpointError, checkpointFromBlobs, checkpointToFiles, GPT, type WeightsProgress } from '../src/index.js';

const HUB = path.join(__dirname, 'fixtures/hub');
const golden = JSON.parse(fs.readFileSync(path.join(HUB, 'golden.json'), 'utf8'));

/** A directory's files as Blobs backed by the files on disk (not read into memory). */
async function blobsOf(dir: string): Promise<Map<string, Blob>> {
  const out = new Map<string, Blob>();
  for (const name of fs.readdirSync(dir)) out.set(name, await fs.openAsBlob(path.join(dir, name)));
  return out;
}

const bytesToBlobs = (files: ReadonlyMap<string, Uint8Array>) => new Map([...files].map(([name, bytes]) => [name, new Blob([bytes as Uint8Array<ArrayBuffer>])] as const));

describe.each(Object.keys(golden.directories))('%s from Blobs', (name) => {
  it("loads and gives PyTorch's logits (1e-4), reporting progress tensor by tensor", async () => {
    const dir = path.join(HUB, name);
    const progress: WeightsProgress[] = [];
    const { model, tokenizer, checkpointId } = await checkpointFromBlobs(await blobsOf(dir), { source: name, chunkBytes: 4096, onProgress: (p) => progress.push(p) });
    expect(tokenizer.kind).toBe('byte-bpe');
    expect(tokenizer.encode(golden.prompt)).toEqual(golden.ids);
    expect(checkpointId).toBe(null); // not written by attn
    const V = model.vocabSize;
    const logits = model.eval().forward(golden.ids).logits.dataSync();
    const reference: number[][] = golden.weights[golden.directories[name].weights].logits;
    let worst = 0;
    reference.forEach((row, t) => {
      for (let v = 0; v < V; v++) worst = Math.max(worst, Math.abs(row[v] - logits[t * V + v]));
    });
    expect(worst).toBeLessThan(1e-4);
    // one report per tensor read (parameters, plus lm_head where the file has it), bytes adding up
    const last = progress.at(-1)!;
    expect(last.tensors).toBe(last.totalTensors);
    expect(last.totalTensors).toBe(model.namedParameters().length + (golden.directories[name].lmHead ? 1 : 0));
    expect(last.bytes).toBe(last.totalBytes);
    expect(progress.every((p, i) => i === 0 || p.bytes > progress[i - 1].bytes)).toBe(true);
    expect(new Set(progress.map((p) => p.dtype))).toEqual(new Set([golden.directories[name].dtype]));
  });
});

describe("attn's own checkpoints from Blobs", () => {
  const text = 'the cat sat on the mat. ';
  const tokenizer = CharTokenizer.fromText(text);
  const model = new GPT({ vocabSize: tokenizer.vocabSize, blockSize: 8, nLayer: 1, nHead: 2, nEmbd: 8, dropout: 0, bias: true }, { seed: 4 });
  const files = checkpointToFiles({ model, tokenizer, checkpointId: 'abc123' });

  it('round-trip exactly, with the checkpoint id and the tokenizer', async () => {
    const loaded = await checkpointFromBlobs(bytesToBlobs(files));
    expect(loaded.checkpointId).toBe('abc123');
    expect(loaded.tokenizer.decode(loaded.tokenizer.encode(text))).toBe(text);
    const params = new Map(loaded.model.namedParameters());
    for (const [name, p] of model.namedParameters()) expect(Array.from(params.get(name)!.dataSync())).toEqual(Array.from(p.dataSync()));
  });

  const failing = async (change: (files: Map<string, Blob>) => void) => {
    const blobs = bytesToBlobs(files);
    change(blobs);
    try {
      await checkpointFromBlobs(blobs, { source: 'picked' });
    } catch (err) {
      expect(err).toBeInstanceOf(CheckpointError);
      return (err as Error).message;
    }
    throw new Error('expected the load to fail');
  };

  it('refuses a directory without config.json, or without weights, naming the file and what it expected', async () => {
    expect(await failing((f) => f.delete('config.json'))).toBe(
      'picked/config.json: missing (a checkpoint directory holds config.json, model.safetensors and the tokenizer files)',
    );
    expect(await failing((f) => f.delete('model.safetensors'))).toBe('picked/model.safetensors: missing; no model.safetensors or model.safetensors.index.json in this directory');
    expect(
      await failing((f) => {
        f.set('pytorch_model.bin', f.get('model.safetensors')!);
        f.delete('model.safetensors');
      }),
    ).toMatch(/^picked\/model\.safetensors: missing; no model\.safetensors .*only pytorch_model\.bin; convert it to safetensors first/);
  });

  it('refuses a cut weights file, a tokenizer of another size and a config that disagrees with the weights', async () => {
    const weights = files.get('model.safetensors')!;
    expect(await failing((f) => f.set('model.safetensors', new Blob([weights.subarray(0, weights.length - 10) as Uint8Array<ArrayBuffer>])))).toMatch(/^safetensors: model\.safetensors: /);
    expect(await failing((f) => f.set('attn-tokenizer.json', new Blob([JSON.stringify({ format: 'attn-tokenizer', version: 1, kind: 'char', chars: ['a', 'b'], unk: false })])))).toMatch(
      /^picked: the model's vocabulary is \d+ tokens \(config\.json\) but the tokenizer has 2/,
    );
    const config = JSON.parse(new TextDecoder().decode(files.get('config.json')));
    expect(await failing((f) => f.set('config.json', new Blob([JSON.stringify({ ...config, n_embd: 16 })])))).toMatch(
      /^model\.safetensors: tensor "transformer\.wte\.weight" has shape \[\d+, 8\], expected \[\d+, 16\]/,
    );
  });
});
