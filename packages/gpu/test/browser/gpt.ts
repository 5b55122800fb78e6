// A small GPT's forward and backward in the page, on the 'gpu' backend and on
// the CPU backend: logits, loss and every parameter gradient compared.
import { GPT } from '@attn/model';
import { setBackend } from '@attn/tensor';

export function gptForwardBackward(backendName: string): { logitErr: number; lossErr: number; gradErr: number; worstGrad: string; logitCount: number } {
  const config = { vocabSize: 19, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 16, dropout: 0, bias: true };
  const ids = Array.from({ length: 16 }, (_, i) => (i * 7 + 3) % 19);
  const targets = Array.from({ length: 16 }, (_, i) => (i * 5 + 1) % 19);
  const run = (backend: string) => {
    setBackend(backend);
    try {
      const model = new GPT(config, { seed: 5 });
      const out = model.forward(ids, { batch: 2, targets });
      out.loss!.backward();
      return {
        logits: Array.from(out.logits.dataSync()),
        loss: out.loss!.itemSync(),
        grads: model.namedParameters().map(([name, p]) => [name, Array.from(p.grad!.dataSync())] as const),
      };
    } finally {
      setBackend('cpu');
    }
  };
  const want = run('cpu');
  const got = run(backendName);
  const maxDiff = (a: number[], b: number[]) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), a.length === b.length ? 0 : Number.POSITIVE_INFINITY);
  let gradErr = 0;
  let worstGrad = '';
  want.grads.forEach(([name, g], i) => {
    const diff = maxDiff(got.grads[i][1], g);
    if (!(diff <= gradErr)) {
      gradErr = diff;
      worstGrad = name;
    }
  });
  return { logitErr: maxDiff(got.logits, want.logits), lossErr: Math.abs(got.loss - want.loss), gradErr, worstGrad, logitCount: got.logits.length };
}
