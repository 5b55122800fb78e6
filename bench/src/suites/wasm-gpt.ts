// One nanoGPT training step with @attn/model's GPT (NANOGPT_CPU: token +
// position embeddings, pre-norm blocks with causal self-attention and a
// tanh-GELU MLP, final layer norm, tied head) on the TypeScript or the
// WebAssembly backend: forward, cross-entropy, backward and an AdamW update,
// the same work as the TF.js and PyTorch versions in wasm-tfjs.ts / wasm-torch.ts.
import { GPT, NANOGPT_CPU } from '@attn/model';
import { Rng, setBackend, type Tensor } from '@attn/tensor';
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

/** AdamW over float32 parameters, updating their data in place. */
class AdamW {
  private readonly m: Float32Array[];
  private readonly v: Float32Array[];
  private t = 0;
  constructor(
    private readonly params: Tensor[],
    private readonly lr = 1e-3,
    private readonly weightDecay = 0.1,
  ) {
    this.m = params.map((p) => new Float32Array(p.size));
    this.v = params.map((p) => new Float32Array(p.size));
  }
  step(): void {
    const b1 = 0.9;
    const b2 = 0.999;
    this.t++;
    const c1 = 1 - b1 ** this.t;
    const c2 = 1 - b2 ** this.t;
    this.params.forEach((p, i) => {
      const w = p.dataSync();
      const g = p.grad!.dataSync();
      const m = this.m[i];
      const v = this.v[i];
      for (let j = 0; j < w.length; j++) {
        m[j] = b1 * m[j] + (1 - b1) * g[j];
        v[j] = b2 * v[j] + (1 - b2) * g[j] * g[j];
        w[j] -= this.lr * (m[j] / c1 / (Math.sqrt(v[j] / c2) + 1e-8) + this.weightDecay * w[j]);
      }
      p.zeroGrad();
    });
  }
}

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
  const optimizer = new AdamW(model.parameters());
  const rng = new Rng(1234);
  const ids = Int32Array.from({ length: B * T }, () => rng.int(V));
  const targets = Int32Array.from({ length: B * T }, () => rng.int(V));

  const run = () => {
    const loss = model.forward(ids, { batch: B, targets }).loss!;
    loss.backward();
    optimizer.step(); // also zeroes the gradients
    return loss.item();
  };
  return {
    run,
    dispose: () => {
      release();
      setBackend('cpu');
    },
  };
}
