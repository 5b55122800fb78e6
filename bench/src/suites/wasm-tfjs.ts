// TF.js as a peer for the wasm suite: its WebAssembly backend (XNNPACK, SIMD;
// its threads do not start in Node 20, so it runs on 1 thread) and its pure
// JavaScript 'cpu' backend. In Node the wasm backend needs setWasmPaths with
// the file path of its dist directory.
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

let pathsSet = false;

/** Switches TF.js to 'wasm' or 'cpu' and returns tf. */
export async function useTfBackend(name: 'wasm' | 'cpu'): Promise<typeof tf> {
  if (name === 'wasm' && !pathsSet) {
    const require = createRequire(import.meta.url);
    const dist = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
    setWasmPaths(`${dist}${path.sep}`);
    pathsSet = true;
  }
  const ok = await tf.setBackend(name);
  if (!ok || tf.getBackend() !== name) throw new Error(`TF.js backend ${name} did not start`);
  return tf;
}

/** The nanoGPT CPU configuration the suite trains. */
export interface GptConfig {
  /** Vocabulary size (65: Shakespeare characters). */
  vocab: number;
  /** Context length T. */
  block: number;
  /** Embedding width C. */
  width: number;
  /** Transformer blocks. */
  layers: number;
  /** Attention heads (C must divide by it). */
  heads: number;
  /** Sequences per step B. */
  batch: number;
}

/**
 * Builds nanoGPT in TF.js (same architecture as the PyTorch script: pre-norm
 * blocks, causal attention, tanh-GELU MLP, tied head) and returns a function
 * that runs one training step (forward, cross-entropy, backward, Adam) and
 * waits for the loss.
 */
export function tfGptStep(t: typeof tf, cfg: GptConfig): () => number {
  const { vocab: V, block: T, width: C, layers: L, heads: H, batch: B } = cfg;
  const hs = C / H;
  const init = (shape: number[]) => t.variable(t.randomNormal(shape, 0, 0.02));
  const zeros = (shape: number[]) => t.variable(t.zeros(shape));
  const ones = (shape: number[]) => t.variable(t.ones(shape));
  const wte = init([V, C]);
  const wpe = init([T, C]);
  const blocks = Array.from({ length: L }, () => ({
    ln1g: ones([C]),
    ln1b: zeros([C]),
    wqkv: init([C, 3 * C]),
    bqkv: zeros([3 * C]),
    wproj: init([C, C]),
    bproj: zeros([C]),
    ln2g: ones([C]),
    ln2b: zeros([C]),
    wfc: init([C, 4 * C]),
    bfc: zeros([4 * C]),
    wfc2: init([4 * C, C]),
    bfc2: zeros([C]),
  }));
  const lnfg = ones([C]);
  const lnfb = zeros([C]);
  // additive causal mask: 0 on and below the diagonal, -1e9 above
  const mask = t.mul(t.sub(1, t.linalg.bandPart(t.ones([T, T]), -1, 0)), -1e9);
  const layerNorm = (x: tf.Tensor2D, g: tf.Variable, b: tf.Variable) => {
    const { mean, variance } = t.moments(x, -1, true);
    return t.add(t.mul(t.div(t.sub(x, mean), t.sqrt(t.add(variance, 1e-5))), g), b) as tf.Tensor2D;
  };
  const gelu = (x: tf.Tensor) =>
    t.mul(t.mul(0.5, x), t.add(1, t.tanh(t.mul(Math.sqrt(2 / Math.PI), t.add(x, t.mul(0.044715, t.pow(x, 3)))))));
  // Token lookups as one-hot matmuls: TF.js's wasm backend has no kernel for
  // the gradient of gather (UnsortedSegmentSum).
  const inputs = t.oneHot(t.randomUniform([B * T], 0, V, 'int32') as tf.Tensor1D, V).toFloat() as tf.Tensor2D;
  const targets = t.oneHot(t.randomUniform([B * T], 0, V, 'int32') as tf.Tensor1D, V);
  const optimizer = t.train.adam(1e-3);

  const loss = () => {
    const tok = t.reshape(t.matMul(inputs, wte), [B, T, C]); // (B, T, C)
    let x = t.reshape(t.add(tok, wpe), [B * T, C]) as tf.Tensor2D; // (B*T, C)
    for (const p of blocks) {
      const qkv = t.add(t.matMul(layerNorm(x, p.ln1g, p.ln1b), p.wqkv), p.bqkv); // (B*T, 3C)
      const heads = t.transpose(t.reshape(qkv, [B, T, 3, H, hs]), [2, 0, 3, 1, 4]); // (3, B, nh, T, hs)
      const [q, k, v] = t.unstack(heads) as tf.Tensor4D[];
      const att = t.softmax(t.add(t.mul(t.matMul(q, k, false, true), 1 / Math.sqrt(hs)), mask)); // (B, nh, T, T)
      const y = t.reshape(t.transpose(t.matMul(att, v), [0, 2, 1, 3]), [B * T, C]); // (B*T, C)
      x = t.add(x, t.add(t.matMul(y, p.wproj), p.bproj));
      const h = gelu(t.add(t.matMul(layerNorm(x, p.ln2g, p.ln2b), p.wfc), p.bfc));
      x = t.add(x, t.add(t.matMul(h as tf.Tensor2D, p.wfc2), p.bfc2));
    }
    const logits = t.matMul(layerNorm(x, lnfg, lnfb), wte, false, true); // (B*T, V), tied head
    return t.losses.softmaxCrossEntropy(targets, logits) as tf.Scalar;
  };
  return () => {
    const value = t.tidy(() => optimizer.minimize(loss, true) as tf.Scalar);
    const result = value.dataSync()[0];
    value.dispose();
    return result;
  };
}
