// One nanoGPT training step written with @attn/tensor ops, so the suite can
// time the same architecture on the TypeScript and WebAssembly backends as
// the TF.js and PyTorch versions (wasm-tfjs.ts, wasm-torch.ts): token +
// position embeddings, pre-norm blocks with causal self-attention and a
// tanh-GELU MLP, final layer norm, tied output head, cross-entropy, AdamW.
import {
  add,
  causalMask,
  crossEntropy,
  embedding,
  layerNorm,
  matmul,
  ones,
  Rng,
  randn,
  setBackend,
  type Tensor,
  zeros,
} from '@attn/tensor';
import { registerWasmBackend } from '../../../packages/wasm/src/index.js';
import type { GptConfig } from './wasm-tfjs.js';

/** nanoGPT's CPU configuration (shakespeare_char, vocabulary of 65 characters). */
export const gptConfig: GptConfig = { vocab: 65, block: 64, width: 128, layers: 4, heads: 4, batch: 12 };

interface Block {
  ln1g: Tensor;
  ln1b: Tensor;
  wqkv: Tensor; // (C, 3C)
  bqkv: Tensor;
  wproj: Tensor; // (C, C)
  bproj: Tensor;
  ln2g: Tensor;
  ln2b: Tensor;
  wfc: Tensor; // (C, 4C)
  bfc: Tensor;
  wfc2: Tensor; // (4C, C)
  bfc2: Tensor;
}

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
 * CPU reference) and returns a step function, or a string saying why not.
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
  const { vocab: V, block: T, width: C, layers: L, heads: H, batch: B } = gptConfig;
  const hs = C / H;
  const rng = new Rng(1234);
  const init = (shape: number[]) => randn(shape, { rng, std: 0.02, requiresGrad: true });
  const param0 = (shape: number[]) => zeros(shape, { requiresGrad: true });
  const param1 = (shape: number[]) => ones(shape, { requiresGrad: true });
  const wte = init([V, C]);
  const wpe = init([T, C]);
  const blocks: Block[] = Array.from({ length: L }, () => ({
    ln1g: param1([C]),
    ln1b: param0([C]),
    wqkv: init([C, 3 * C]),
    bqkv: param0([3 * C]),
    wproj: init([C, C]),
    bproj: param0([C]),
    ln2g: param1([C]),
    ln2b: param0([C]),
    wfc: init([C, 4 * C]),
    bfc: param0([4 * C]),
    wfc2: init([4 * C, C]),
    bfc2: param0([C]),
  }));
  const lnfg = param1([C]);
  const lnfb = param0([C]);
  const params = [wte, wpe, lnfg, lnfb, ...blocks.flatMap((b) => Object.values(b))];
  const optimizer = new AdamW(params);
  const mask = causalMask(T); // (T, T), 1 above the diagonal
  const ids = Int32Array.from({ length: B * T }, () => rng.int(V));
  const targets = Int32Array.from({ length: B * T }, () => rng.int(V));

  const run = () => {
    let x = add(embedding(wte, ids, [B, T]), wpe).reshape([B * T, C]); // (B*T, C)
    for (const p of blocks) {
      const qkv = matmul(layerNorm(x, p.ln1g, p.ln1b), p.wqkv).add(p.bqkv); // (B*T, 3C)
      const heads = qkv.reshape([B, T, 3, H, hs]).permute([2, 0, 3, 1, 4]); // (3, B, nh, T, hs)
      const [q, k, v] = [0, 1, 2].map((i) => heads.slice(0, i, i + 1).reshape([B, H, T, hs])); // (B, nh, T, hs)
      const att = matmul(q, k, { transB: true })
        .mul(1 / Math.sqrt(hs))
        .maskedFill(mask, Number.NEGATIVE_INFINITY)
        .softmax(-1); // (B, nh, T, T)
      const y = matmul(att, v).permute([0, 2, 1, 3]).reshape([B * T, C]); // (B*T, C)
      x = x.add(matmul(y, p.wproj).add(p.bproj));
      const h = matmul(layerNorm(x, p.ln2g, p.ln2b), p.wfc).add(p.bfc).gelu('tanh'); // (B*T, 4C)
      x = x.add(matmul(h, p.wfc2).add(p.bfc2));
    }
    const logits = matmul(layerNorm(x, lnfg, lnfb), wte, { transB: true }); // (B*T, V), tied head
    const loss = crossEntropy(logits, targets);
    loss.backward();
    optimizer.step();
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
