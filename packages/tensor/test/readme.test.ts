// The README's example, run as written.
import { expect, it } from 'vitest';
import { gradcheck, matmul, randn, tensor } from '../src/index.js';

it('README example', async () => {
  const a = tensor(3, { requiresGrad: true });
  const b = tensor(-2, { requiresGrad: true });
  const c = tensor(5, { requiresGrad: true });
  const f = a.mul(b).add(c).mul(a);
  f.backward();
  expect([await f.item(), await a.grad!.item(), await b.grad!.item(), await c.grad!.item()]).toEqual([-3, -7, 9, 3]);
  expect(f.itemSync()).toBe(-3);
  expect(await f.array()).toBe(-3);

  const q = randn([2, 4, 8, 16]);
  const k = randn([2, 4, 8, 16]);
  const att = matmul(q, k, { transB: true }).mul(1 / 4).softmax(-1);
  expect(att.shape).toEqual([2, 4, 8, 8]);
  const rowSums = att.sum(-1).dataSync();
  for (const s of rowSums) expect(s).toBeCloseTo(1, 5);

  const x = randn([3, 5], { dtype: 'float64' });
  expect(gradcheck((t) => t.logSoftmax().sum(), [x]).ok).toBe(true);
});
