// tidy(): memory of intermediate tensors is released when the scope ends,
// while returned tensors, kept tensors and the gradients backward() leaves on
// leaves survive; released tensors fail loudly when used.
import { afterEach, describe, expect, it } from 'vitest';
import { type Backend, cpuBackend, keep, registerBackend, removeBackend, setBackend, tensor, tidy } from '../src/index.js';

/** The CPU backend under another name, counting disposeData calls. */
function countingBackend(): { backend: Backend; disposed: () => number } {
  let count = 0;
  const backend: Backend = {
    ...cpuBackend,
    name: 'counting',
    disposeData: () => {
      count++;
    },
  };
  registerBackend(backend);
  setBackend('counting'); // removeBackend('counting') after each test clears the selection again
  return { backend, disposed: () => count };
}

afterEach(() => {
  removeBackend('counting');
});

describe('tidy', () => {
  it('releases intermediates, keeps the returned tensor and leaves outside tensors alone', () => {
    const { disposed } = countingBackend();
    const w = tensor([1, 2, 3]);
    let inner: ReturnType<typeof tensor> | null = null;
    const out = tidy(() => {
      inner = w.mul(2); // released at the end
      const view = inner.reshape([3, 1]); // a view of inner's storage
      return view.add(1).sum(); // kept
    });
    expect(out.itemSync()).toBe(15);
    expect(w.toArray()).toEqual([1, 2, 3]);
    expect(() => inner!.dataSync()).toThrow('tensor was used after dispose()');
    // inner (with its view), the scalar tensors 2 and 1, and view.add(1); not w, not out
    expect(disposed()).toBe(4);
  });

  it('keeps tensors inside returned arrays and objects, and those passed to keep()', () => {
    const x = tensor([1, 2]);
    let kept: ReturnType<typeof tensor> | null = null;
    const { a, list } = tidy(() => {
      kept = keep(x.add(10));
      return { a: x.mul(3), list: [x.sub(1), x.neg()] };
    });
    expect(a.toArray()).toEqual([3, 6]);
    expect(list.map((t) => t.toArray())).toEqual([[0, 1], [-1, -2]]);
    expect(kept!.toArray()).toEqual([11, 12]);
  });

  it('nests: what an inner scope returns belongs to the outer one', () => {
    const x = tensor([1, 2]);
    let fromInner: ReturnType<typeof tensor> | null = null;
    const total = tidy(() => {
      fromInner = tidy(() => x.mul(2).add(1));
      expect(fromInner.toArray()).toEqual([3, 5]); // alive inside the outer scope
      return fromInner.sum();
    });
    expect(total.itemSync()).toBe(8);
    expect(() => fromInner!.dataSync()).toThrow('tensor was used after dispose()');
  });

  it('a training step: gradients on leaves survive, the graph is released, assign keeps parameters', () => {
    const { disposed } = countingBackend();
    const w = tensor([0.5, -1], { requiresGrad: true });
    const lossValue = tidy(() => {
      const loss = w.mul(w).sum();
      loss.backward();
      return loss.itemSync();
    });
    expect(lossValue).toBeCloseTo(1.25);
    expect(w.grad!.toArray()).toEqual([1, -2]);
    expect(disposed()).toBeGreaterThan(0);
    tidy(() => {
      w.assign(w.sub(w.grad!.mul(0.1)));
    });
    expect(w.toArray()).toEqual([0.4, -0.8].map((v) => Math.fround(v)));
  });

  it('zeroGrad frees the gradient; two leaves fed the same gradient get separate copies', () => {
    const a = tensor([1, 2], { requiresGrad: true });
    const b = tensor([3, 4], { requiresGrad: true });
    tidy(() => a.add(b).sum().backward()); // add's backward hands the same dy to both leaves
    expect(a.grad).not.toBe(b.grad);
    const gradOfA = a.grad!;
    a.zeroGrad();
    expect(() => gradOfA.dataSync()).toThrow('tensor was used after dispose()');
    expect(b.grad!.toArray()).toEqual([1, 1]); // untouched by a.zeroGrad()
    // accumulation over two backward passes sums into one fresh gradient
    tidy(() => b.mul(2).sum().backward());
    expect(b.grad!.toArray()).toEqual([3, 3]);
  });

  it('releases everything when fn throws, and rethrows', () => {
    const x = tensor([1]);
    let made: ReturnType<typeof tensor> | null = null;
    expect(() =>
      tidy(() => {
        made = x.add(1);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(() => made!.dataSync()).toThrow('tensor was used after dispose()');
    expect(x.toArray()).toEqual([1]);
  });

  it('refuses an async fn', () => {
    expect(() => tidy((async () => tensor([1])) as unknown as () => never)).toThrow('tidy: fn must be synchronous');
  });
});
