// GPT's activations by stable name: the embeddings sum to the first residual stream,
// the recorded patterns are the ones forward() returns, and the last residual stream
// through ln_f and the tied unembedding gives the logits (the logit lens at the top layer).
import { captureActivations } from '@attn/layers';
import { layerNorm } from '@attn/tensor';
import { describe, expect, it } from 'vitest';
import { GPT } from '../src/index.js';

describe('GPT hook points', () => {
  const model = new GPT({ vocabSize: 11, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 8 }, { seed: 4 }).eval();
  const ids = [1, 5, 2, 9, 3];

  it('uses Hugging Face module paths', () => {
    const { result, activations } = captureActivations(model, () => model.forward(ids, { returnAttention: true }));
    for (const name of ['transformer.hook_embed', 'transformer.hook_pos_embed', 'transformer.h.1.attn.hook_q', 'transformer.h.0.mlp.hook_post', 'transformer.ln_f.hook_normalized']) {
      expect(activations.has(name), name).toBe(true);
    }
    for (const layer of [0, 1]) {
      expect([...activations.get(`transformer.h.${layer}.attn.hook_pattern`)!.dataSync()]).toEqual([...result.attention![layer].dataSync()]);
    }
  });

  it('adds token and position embeddings into the first residual stream, and unembeds the last one into the logits', () => {
    const { result, activations } = captureActivations(model, () => model.forward(ids));
    const a = (name: string) => activations.get(name)!;
    const embedded = a('transformer.hook_embed').add(a('transformer.hook_pos_embed')).dataSync();
    const residPre = a('transformer.h.0.hook_resid_pre').dataSync();
    for (let i = 0; i < embedded.length; i++) expect(residPre[i]).toBeCloseTo(embedded[i], 6);
    const p = model.stateDict();
    const normed = layerNorm(a('transformer.h.1.hook_resid_post'), p['transformer.ln_f.weight'], p['transformer.ln_f.bias'], 1e-5);
    const logits = normed.reshape([ids.length, 8]).matmul(p['transformer.wte.weight'], { transB: true }).dataSync(); // (T, V)
    const expected = result.logits.dataSync();
    for (let i = 0; i < expected.length; i++) expect(logits[i]).toBeCloseTo(expected[i], 5);
  });
});
