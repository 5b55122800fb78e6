// One nanoGPT training step with @attn/model's GPT (NANOGPT_CPU: token +
// position embeddings, pre-norm blocks with causal self-attention and a
// tanh-GELU MLP, final layer norm, tied head) on the TypeScript or the
// WebAssembly backend: forward, cross-entropy, backward and an AdamW update,
// the same work as the TF.js and PyTorch versions in wasm-tfjs.ts / wasm-torch.ts,
// with @attn/train's AdamW.
import { GPT, NANOGPT_CPU } from '@attn/model';
import { Rng, setBackend, tidy } from '@attn/tensor';
import { AdamW } from '@attn/train';
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
): Promise<{ run: () => number; dispose: () => void } | string> {
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
  // @attn/train's AdamW, as a user's training loop runs it (PyTorch's defaults: weight decay 0.01)
  const optimizer = new AdamW(model.namedParameters(), { weightDecay: 0.01 });
  const rng = new Rng(1234);
  const ids = Int32Array.from({ length: B * T }, () => rng.int(V));
  const targets = Int32Array.from({ length: B * T }, () => rng.int(V));

  // tidy(): the step's intermediates are freed when it ends (on 'wasm' they live in wasm memory)
  const run = () =>
    tidy(() => {
      const loss = model.forward(ids, { batch: B, targets }).loss!;
      loss.backward();
      optimizer.step(1e-3);
      optimizer.zeroGrad();
      return loss.itemSync();
    });
  return {
    run,
    dispose: () => {
      release();
      setBackend('cpu');
    },
  };
}
