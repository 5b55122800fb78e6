// One nanoGPT training step with @attn/model's GPT (NANOGPT_CPU: token +
// position embeddings, pre-norm blocks with causal self-attention and a
// tanh-GELU MLP, final layer norm, tied head) on the TypeScript or the
// WebAssembly backend: forward, cross-entropy, backward and an AdamW update,
// the same work as the TF.js and PyTorch versions in wasm-tfjs.ts / wasm-torch.ts,
// as @attn/train's Trainer runs it (the engine every front end drives). Its step
// also takes the global gradient norm (the peers' steps do not clip): a float64
// pass over the gradients, about 1% of the step here.
import { GPT, NANOGPT_CPU } from '@attn/model';
import { Rng, setBackend } from '@attn/tensor';
import { type BatchSource, type LanguageModel, type LMBatch, lmBatchLoss, Trainer } from '@attn/train';
import { registerWasmBackend } from '@attn/wasm';
import type { GptConfig } from './wasm-tfjs.js';

/** nanoGPT's CPU configuration (shakespeare_char, vocabulary of 65 characters). */
export const gptConfig: GptConfig = {
  vocab: NANOGPT_CPU.vocabSize,
  block: NANOGPT_CPU.blockSize,
  width: NANOGPT_CPU.nEmbd,
  layers: NANOGPT_CPU.nLayer,
  heads: NANOGPT_CPU.nHead,
  batch: 12,
};

/**
 * Builds the model on backend 'wasm' (with `threads` threads) or 'ts' (the
 * CPU reference) and returns a step function (returning the loss), or a
 * string saying why not.
 */
export async function attnGptStep(
  backend: 'wasm' | 'ts',
  threads: number,
): Promise<{ run: () => Promise<number>; dispose: () => void } | string> {
  let release = () => {};
  if (backend === 'wasm') {
    const registered = await registerWasmBackend({ threads });
    if (!registered) return 'no WebAssembly SIMD in this Node';
    if (registered.threads !== threads) {
      registered.dispose();
      return `wasm backend started with ${registered.threads} threads`;
    }
    release = () => registered.dispose();
    setBackend('wasm');
  } else {
    setBackend('cpu');
  }
  const { vocab: V, block: T, batch: B } = gptConfig;
  // parameters are created on the selected backend
  const model = new GPT(NANOGPT_CPU, { seed: 2 }).train();
  const rng = new Rng(1234);
  const ids = Int32Array.from({ length: B * T }, () => rng.int(V));
  const targets = Int32Array.from({ length: B * T }, () => rng.int(V));
  // The same batch every step, as the peers' benchmarks do.
  const batch: LMBatch = { x: ids, y: targets, batch: B };
  const source: BatchSource<LanguageModel, LMBatch> = {
    kind: 'fixed-batch',
    settings: { batch: B, block: T },
    tokensPerBatch: B * T,
    next: () => batch,
    loss: lmBatchLoss,
    evalBatches: () => [batch],
    cursor: () => null,
    seek: () => {},
  };
  // A constant 1e-3 with PyTorch's AdamW defaults (betas 0.9/0.999, weight decay 0.01), as the peers use;
  // no clipping (gradClip 0), the norm is still taken.
  const trainer = new Trainer({ model, source, steps: Number.MAX_SAFE_INTEGER, lr: 1e-3, minLr: 1e-3, betas: [0.9, 0.999], weightDecay: 0.01, gradClip: 0, evalEvery: 0 });
  const run = async () => (await trainer.step()).loss;
  return {
    run,
    dispose: () => {
      release();
      setBackend('cpu');
    },
  };
}
