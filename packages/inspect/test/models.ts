// Small models for the tests, including one whose attention is known by construction.
import { GPT } from '@attn/model';

/**
 * A 1-layer, 2-head GPT (vocabulary 10, context 8, width 32, head size 16) whose head 0 is a
 * previous-token head by construction, and whose head 1 (all-zero weights) attends uniformly.
 *
 * Token embeddings are zero and position i's embedding is 10·e_i, so after ln_1 position i is
 * a·e_i - b·1 (a ≈ 5.57, b ≈ 0.18). Head 0's W_Q copies dimension i to slot i and its W_K
 * copies dimension j to slot j + 1, so q_i·k_j is about 31·s² larger for j = i - 1 than for
 * any other key (s = 1.5): after the 1/√16 scale the softmax puts > 0.999 there.
 */
export function previousTokenGpt(): GPT {
  const C = 32;
  const model = new GPT({ vocabSize: 10, blockSize: 8, nLayer: 1, nHead: 2, nEmbd: C }, { seed: 1 });
  for (const [name, p] of model.namedParameters()) {
    const isLayerNormWeight = /ln_\d\.weight$|ln_f\.weight$/.test(name);
    p.assign(new Float32Array(p.size).fill(isLayerNormWeight ? 1 : 0));
  }
  const wpe = new Float32Array(8 * C); // (8, C)
  for (let i = 0; i < 8; i++) wpe[i * C + i] = 10;
  model.getParameter('transformer.wpe.weight').assign(wpe);
  const s = 1.5;
  const cAttn = new Float32Array(C * 3 * C); // (C, 3C): [W_Q | W_K | W_V]
  for (let i = 0; i < 8; i++) {
    cAttn[i * 3 * C + i] = s; // W_Q head 0: dim i -> slot i
    cAttn[i * 3 * C + C + i + 1] = s; // W_K head 0: dim i -> slot i + 1
    cAttn[i * 3 * C + 2 * C + i] = 1; // W_V head 0: the position, so outputs differ
  }
  model.getParameter('transformer.h.0.attn.c_attn.weight').assign(cAttn);
  return model.eval();
}

/**
 * A GPT with random (seeded) weights. GPT-2's initialisation (std 0.02) makes every score
 * nearly 0 and every attention row nearly uniform, which would not test the softmax; the
 * attention projections and biases are scaled up 25x so the heads attend sharply.
 */
export function randomGpt(options: { bias?: boolean; seed?: number } = {}): GPT {
  const model = new GPT({ vocabSize: 23, blockSize: 16, nLayer: 2, nHead: 4, nEmbd: 24, bias: options.bias ?? true }, { seed: options.seed ?? 5 });
  for (const [name, p] of model.namedParameters()) {
    if (name.includes('attn.c_attn')) p.assign(Float32Array.from(p.dataSync(), (x) => x * 25));
    if (name.endsWith('.bias') && !name.includes('ln_')) p.assign(Float32Array.from({ length: p.size }, (_, i) => 0.1 * Math.sin(i + 1)));
  }
  return model.eval();
}
