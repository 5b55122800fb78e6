// The Hub-layout GPT-2 directories made by fixtures/make_hub_checkpoints.py (PyTorch),
// read with the streaming reader: every layout variant (no prefix + mask buffers,
// prefix + lm_head, BF16, sharded F16 with BOOL buffers) gives the tensors PyTorch
// stored (checksums from the script), and a GPT built from them reproduces the
// script's float64 GPT-2 forward: next-token probabilities and all logits within 1e-4.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPretrained, openSafetensorsWeights } from '../src/index.js';

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

it('covers every variant the issue lists', () => {
  const infos = Object.values(golden.directories as Record<string, DirectoryInfo>);
  expect(new Set(infos.map((i) => i.dtype))).toEqual(new Set(['F32', 'BF16', 'F16']));
  expect(infos.some((i) => !i.prefix) && infos.some((i) => i.prefix)).toBe(true);
  expect(infos.some((i) => i.lmHead) && infos.some((i) => !i.lmHead)).toBe(true);
  expect(infos.some((i) => i.sharded)).toBe(true);
});
