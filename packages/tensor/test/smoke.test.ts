import { describe, expect, it } from 'vitest';
import { tensor, matmul, randn, crossEntropy, layerNorm, gelu } from '../src/index.js';
describe('smoke', () => {
  it('works', () => {
    const a = tensor([[1, 2], [3, 4]], { requiresGrad: true });
    const b = tensor([[5, 6], [7, 8]]);
    const c = matmul(a, b);
    expect(c.toArray()).toEqual([[19, 22], [43, 50]]);
    c.sum().backward();
    expect(a.grad!.toArray()).toEqual([[11, 15], [11, 15]]);
    const x = randn([64, 300], { seed: 1, requiresGrad: true });
    const w = randn([300, 200], { seed: 2 });
    const y = matmul(x, w);
    const ref = x.dataSync(); const wv = w.dataSync(); const yv = y.dataSync();
    let err = 0;
    for (let i = 0; i < 64; i++) for (let j = 0; j < 200; j++) { let s = 0; for (let l = 0; l < 300; l++) s += ref[i*300+l]*wv[l*200+j]; err = Math.max(err, Math.abs(s - yv[i*200+j])); }
    expect(err).toBeLessThan(1e-3);
    const loss = crossEntropy(gelu(layerNorm(y)), Array.from({length: 64}, (_, i) => i % 200));
    loss.backward();
    expect(x.grad!.shape).toEqual([64, 300]);
  });
});
