// Forward values and gradients against PyTorch 1.13 (fixture made by
// test/fixtures/make_torch_reference.py; torch is not needed to run this).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { argmax, crossEntropy, fromArray, gelu, layerNorm, logSoftmax, matmul, max, mul, softmax, sum, type Tensor, variance } from '../src/index.js';

interface Stored {
  shape: number[];
  data: number[];
}
// biome-ignore lint/suspicious/noExplicitAny: JSON fixture, checked by use
const { cases } = JSON.parse(readFileSync(new URL('./fixtures/torch_reference.json', import.meta.url), 'utf8')) as { cases: any };

const load = (s: Stored, requiresGrad = false) => fromArray(s.data, s.shape, { dtype: 'float64', requiresGrad });
const expectClose = (t: Tensor, s: Stored, tol = 1e-10) => {
  expect(t.shape).toEqual(s.shape);
  const v = t.dataSync();
  for (let i = 0; i < s.data.length; i++) expect(Math.abs(v[i] - s.data[i]), `index ${i}`).toBeLessThan(tol);
};

describe('against PyTorch', () => {
  it('batched matmul with broadcast batch dims and both operands transposed', () => {
    const c = cases.matmul_trans_broadcast;
    const a = load(c.a, true);
    const b = load(c.b, true);
    const out = matmul(a, b, { transA: true, transB: true });
    expectClose(out, c.out);
    sum(mul(out, load(c.w))).backward();
    expectClose(a.grad!, c.da);
    expectClose(b.grad!, c.db);
  });
  it('gelu, exact and tanh', () => {
    const c = cases.gelu;
    expectClose(gelu(load(c.x), 'none'), c.exact, 1e-14);
    expectClose(gelu(load(c.x), 'tanh'), c.tanh, 1e-14);
  });
  it('layer norm forward and backward', () => {
    const c = cases.layer_norm;
    const x = load(c.x, true);
    const w = load(c.weight, true);
    const b = load(c.bias, true);
    const y = layerNorm(x, w, b, 1e-5);
    expectClose(y, c.out);
    sum(mul(y, load(c.w))).backward();
    expectClose(x.grad!, c.dx);
    expectClose(w.grad!, c.dweight);
    expectClose(b.grad!, c.dbias);
  });
  it('cross-entropy with ignore index', () => {
    const c = cases.cross_entropy;
    const logits = load(c.logits, true);
    const loss = crossEntropy(logits, c.targets);
    expect(Math.abs(loss.itemSync() - c.loss)).toBeLessThan(1e-12);
    loss.backward();
    expectClose(logits.grad!, c.dlogits);
  });
  it('softmax and log-softmax over a middle axis', () => {
    const c = cases.softmax_axis1;
    expectClose(softmax(load(c.x), 1), c.softmax);
    expectClose(logSoftmax(load(c.x), 1), c.log_softmax);
  });
  it('variance, max, argmax', () => {
    const c = cases.reductions;
    expectClose(variance(load(c.x), 0), c.var0);
    expectClose(max(load(c.x), 1), c.max1);
    expectClose(argmax(load(c.x), 1), c.argmax1);
  });
});
