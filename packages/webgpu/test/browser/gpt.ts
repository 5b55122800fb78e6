// A small GPT's forward and backward in the page, on the backend under test
// and on the CPU backend: logits, loss and every parameter gradient compared.
// Values come back with await data() (the WebGPU backend has no sync reads).
import { GPT, type GPTConfig } from '@attn/model';
import { setBackend } from '@attn/tensor';

export interface GptComparison {
  logitErr: number;
  lossErr: number;
  /** Largest |difference| over every gradient, and the parameter it is in. */
  gradErr: number;
  worstGrad: string;
  logitCount: number;
  gradCount: number;
  loss: number;
}

/** The test models: 2 layers, 2 heads, 16 wide over 19 tokens; `bias` false drops every bias (LayerNorm's too). */
export function smallConfig(bias = true): GPTConfig {
  return { vocabSize: 19, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 16, dropout: 0, bias };
}

/**
 * `attention`: 'fused' lets every layer take the fused kernel (what a model
 * does when the weights are not wanted), 'materialised' asks for the weights
 * (returnAttention), so the layers compose matmul, mask, softmax and matmul.
 */
export async function gptForwardBackward(backendName: string, bias = true, attention: 'fused' | 'materialised' = 'fused'): Promise<GptComparison> {
  const config = smallConfig(bias);
  const ids = Array.from({ length: 16 }, (_, i) => (i * 7 + 3) % 19);
  const targets = Array.from({ length: 16 }, (_, i) => (i % 5 === 4 ? -100 : (i * 5 + 1) % 19)); // some ignored
  const run = async (backend: string) => {
    setBackend(backend);
    try {
      const model = new GPT(config, { seed: 5 });
      const out = model.forward(ids, { batch: 2, targets, returnAttention: attention === 'materialised' });
      out.loss!.backward();
      const grads: [string, number[]][] = [];
      for (const [name, p] of model.namedParameters()) grads.push([name, Array.from(await p.grad!.data())]);
      return { logits: Array.from(await out.logits.data()), loss: await out.loss!.item(), grads };
    } finally {
      setBackend('cpu');
    }
  };
  const want = await run('cpu');
  const got = await run(backendName);
  const maxDiff = (a: number[], b: number[]) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), a.length === b.length ? 0 : Number.POSITIVE_INFINITY);
  let gradErr = 0;
  let worstGrad = '';
  want.grads.forEach(([name, g], i) => {
    const diff = got.grads[i][0] === name ? maxDiff(got.grads[i][1], g) : Number.POSITIVE_INFINITY;
    if (!(diff <= gradErr)) {
      gradErr = diff;
      worstGrad = name;
    }
  });
  return {
    logitErr: maxDiff(got.logits, want.logits),
    lossErr: Math.abs(got.loss - want.loss),
    gradErr,
    worstGrad,
    logitCount: got.logits.length,
    gradCount: got.grads.length,
    loss: got.loss,
  };
}

/**
 * Pipelines compiled by a GPT forward and backward at one batch size and
 * sequence length, and then at others: shapes are parameters, so the second
 * compiles nothing (the sizes stay within the same size classes).
 */
export async function compilesPerShape(backendName: string, compiles: () => number): Promise<{ first: number; more: number }> {
  setBackend(backendName);
  try {
    const model = new GPT(smallConfig(), { seed: 5 });
    const pass = async (batch: number, T: number) => {
      const ids = Array.from({ length: batch * T }, (_, i) => (i * 7 + 3) % 19);
      const out = model.forward(ids, { batch, targets: ids });
      out.loss!.backward();
      await out.loss!.item();
      model.zeroGrad();
    };
    const before = compiles();
    await pass(2, 8);
    const first = compiles() - before;
    await pass(3, 6);
    await pass(1, 5);
    return { first, more: compiles() - before - first };
  } finally {
    setBackend('cpu');
  }
}
