// Autograd mechanics, error messages, the non-finite checker and the backend registry.
import { afterEach, describe, expect, it } from 'vitest';
import {
  type Backend,
  checkFinite,
  cpuBackend,
  crossEntropy,
  getBackend,
  isGradEnabled,
  listBackends,
  log,
  matmul,
  noGrad,
  registerBackend,
  backendHasKernel,
  removeBackend,
  setBackend,
  setNanCheck,
  tensor,
} from '../src/index.js';

describe('autograd', () => {
  it('micrograd-style expression by hand', () => {
    // f = (a*b + c) * a  =>  df/da = 2ab + c, df/db = a^2, df/dc = a
    const a = tensor(3, { requiresGrad: true });
    const b = tensor(-2, { requiresGrad: true });
    const c = tensor(5, { requiresGrad: true });
    const f = a.mul(b).add(c).mul(a);
    expect(f.itemSync()).toBe(-3);
    f.backward();
    expect(a.grad!.itemSync()).toBe(2 * 3 * -2 + 5);
    expect(b.grad!.itemSync()).toBe(9);
    expect(c.grad!.itemSync()).toBe(3);
  });
  it('gradients accumulate across backward calls until zeroGrad', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    x.mul(3).sum().backward();
    x.mul(3).sum().backward();
    expect(x.grad!.toArray()).toEqual([6, 6]);
    x.zeroGrad();
    expect(x.grad).toBeNull();
  });
  it('a tensor used twice gets both contributions', () => {
    const x = tensor([2], { requiresGrad: true });
    x.mul(x).add(x).sum().backward(); // d(x^2 + x) = 2x + 1
    expect(x.grad!.toArray()).toEqual([5]);
  });
  it('noGrad and detach cut the graph', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = noGrad(() => {
      expect(isGradEnabled()).toBe(false);
      return x.mul(2);
    });
    expect(isGradEnabled()).toBe(true);
    expect(y.requiresGrad).toBe(false);
    const z = x.detach().mul(2);
    expect(z.requiresGrad).toBe(false);
    expect(() => z.sum().backward()).toThrow(/does not require grad/);
  });
  it('backward with an explicit gradient; implicit needs a scalar', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const y = x.mul(x);
    expect(() => y.backward()).toThrow('backward: an implicit gradient needs a one-element tensor, got shape [3]');
    y.backward(tensor([1, 0, 2]));
    expect(x.grad!.toArray()).toEqual([2, 0, 12]);
  });
  it('assign updates values in place, keeping the leaf', () => {
    const w = tensor([1, 2], { requiresGrad: true });
    w.assign([5, 6]);
    expect(w.toArray()).toEqual([5, 6]);
    expect(w.requiresGrad).toBe(true);
    expect(() => w.assign([1])).toThrow('assign: expected 2 values for shape [2], got 1');
  });
  it('assign overwrites where the backend can (views follow) and stores fresh values where it cannot', () => {
    const w = tensor([1, 2, 3, 4]);
    const view = w.reshape([2, 2]);
    w.assign([5, 6, 7, 8]);
    expect(view.toArray()).toEqual([[5, 6], [7, 8]]); // cpu overwrites the shared storage
    // A backend without `overwrite` (a device backend, say) gets a new storage; the tensor still reads right.
    const { overwrite: _dropped, ...rest } = cpuBackend;
    const device: Backend = { ...rest, name: 'no-overwrite' };
    registerBackend(device);
    setBackend('no-overwrite');
    try {
      const d = tensor([1, 2]);
      const before = d.storage;
      d.assign([3, 4]);
      expect(d.storage).not.toBe(before);
      expect(d.toArray()).toEqual([3, 4]);
      // A tensor whose handle is not a host array (a texture, say) on the same backend is adopted, not copied.
      (d.storage as { handle: unknown }).handle = { texture: d.storage.handle };
      const next = tensor([7, 8]);
      (next.storage as { handle: unknown }).handle = { texture: next.storage.handle };
      d.assign(next);
      expect(d.storage).toBe(next.storage);
      next.dispose(); // the source's view goes; d still owns the values
      expect(d.storage.disposed).toBe(false);
    } finally {
      removeBackend('no-overwrite'); // also clears the selection
    }
  });
  it('assignAt writes a range in place on host backends (views follow) and refuses elsewhere', () => {
    const w = tensor([1, 2, 3, 4, 5, 6], { requiresGrad: true });
    const view = w.reshape([2, 3]);
    expect(w.writableInPlace).toBe(true);
    w.assignAt(2, [30, 40]);
    w.assignAt(5, Float32Array.of(60));
    expect(w.toArray()).toEqual([1, 2, 30, 40, 5, 60]);
    expect(view.toArray()).toEqual([[1, 2, 30], [40, 5, 60]]);
    expect(w.requiresGrad).toBe(true);
    expect(() => w.assignAt(5, [1, 2])).toThrow('assignAt: 2 values at offset 5 do not fit a tensor of 6 (shape [6])');
    expect(() => w.assignAt(-1, [1])).toThrow(/assignAt: 1 values at offset -1 do not fit/);
    const { overwrite: _dropped, ...rest } = cpuBackend;
    registerBackend({ ...rest, name: 'no-overwrite' });
    setBackend('no-overwrite');
    try {
      const d = tensor([1, 2]);
      expect(d.writableInPlace).toBe(false);
      expect(() => d.assignAt(0, [3])).toThrow("assignAt: the no-overwrite backend keeps values off the host; assign() the whole tensor instead");
    } finally {
      removeBackend('no-overwrite');
    }
    view.dispose(); // the reshape shares the storage: both must go before it is freed
    w.dispose();
    expect(w.writableInPlace).toBe(false);
    expect(() => w.assignAt(0, [1])).toThrow('assignAt: tensor was used after dispose()');
  });
});

describe('assignSlice', () => {
  const grid = () => tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12]]);
  it('writes positions along an axis in place; views see them; the values are left alone', () => {
    const t = grid();
    const view = t.reshape([12]);
    const rows = tensor([[-1, -2, -3]]);
    expect(t.assignSlice(0, 2, rows)).toBe(t);
    expect(t.toArray()).toEqual([[1, 2, 3], [4, 5, 6], [-1, -2, -3], [10, 11, 12]]);
    expect(Array.from(view.dataSync())).toEqual([1, 2, 3, 4, 5, 6, -1, -2, -3, 10, 11, 12]);
    t.assignSlice(1, 1, tensor([[0, 0], [0, 0], [0, 0], [0, 0]]));
    expect(t.toArray()).toEqual([[1, 0, 0], [4, 0, 0], [-1, 0, 0], [10, 0, 0]]);
    expect(rows.toArray()).toEqual([[-1, -2, -3]]);
  });
  it('builds the new values from slices on a backend without copyRows', () => {
    const { copyRows: _dropped, ...rest } = cpuBackend;
    registerBackend({ ...rest, name: 'no-copy-rows' });
    setBackend('no-copy-rows');
    try {
      const t = grid();
      t.assignSlice(-1, 2, tensor([[30], [60], [90], [120]]));
      expect(t.toArray()).toEqual([[1, 2, 30], [4, 5, 60], [7, 8, 90], [10, 11, 120]]);
      t.assignSlice(0, 0, tensor([[0, 0, 0]]));
      expect(t.toArray()).toEqual([[0, 0, 0], [4, 5, 60], [7, 8, 90], [10, 11, 120]]);
    } finally {
      removeBackend('no-copy-rows');
    }
  });
  it('rejects values that do not fit, naming the shapes', () => {
    const t = grid();
    expect(() => t.assignSlice(0, 3, tensor([[1, 2, 3], [4, 5, 6]]))).toThrow('assignSlice: 2 positions from 3 do not fit axis 0 of length 4 (shape [4,3])');
    expect(() => t.assignSlice(0, 0, tensor([[1, 2]]))).toThrow('assignSlice: values [1,2] float32 must match [4,3] float32 in every dim but axis 0');
    expect(() => t.assignSlice(0, 0, tensor([[1, 2, 3]], { dtype: 'float64' }))).toThrow(/must match \[4,3\] float32/);
    expect(() => t.assignSlice(2, 0, t)).toThrow(/assignSlice/);
  });
});

describe('errors name the op and shapes', () => {
  it('matmul', () => {
    expect(() => matmul(tensor([[1, 2, 3], [4, 5, 6]]), tensor([[1], [2], [3], [4]]))).toThrow(
      'matmul: inner dimensions differ: [2,3] @ [4,1]',
    );
    expect(() => matmul(tensor([1, 2]), tensor([[1]]))).toThrow('matmul: both operands need at least 2 dims: [2] @ [1,1]');
  });
  it('broadcasting, reshape, slice, axes, targets', () => {
    expect(() => tensor([1, 2]).add(tensor([1, 2, 3]))).toThrow('add: shapes do not broadcast: [2] and [3]');
    expect(() => tensor([1, 2, 3]).reshape([2, 2])).toThrow('reshape: cannot reshape [3] (3 elements) to [2,2]');
    expect(() => tensor([1, 2, 3]).slice(0, 1, 5)).toThrow(/slice: range \[1, 5\) is invalid/);
    expect(() => tensor([1, 2]).sum(2)).toThrow('sum: axis 2 is out of range for a tensor with 1 dims');
    expect(() => crossEntropy(tensor([[1, 2]]), [2])).toThrow('crossEntropy: target 2 at position 0 is out of range [0, 2)');
    expect(() => crossEntropy(tensor([[1, 2]]), [0, 1])).toThrow('crossEntropy: expected 1 targets for logits [1,2], got 2');
  });
});

describe('non-finite checks', () => {
  afterEach(() => setNanCheck(false));
  it('checkFinite names the op', () => {
    expect(() => checkFinite(tensor([1, Number.NaN]), 'myOp')).toThrow(/myOp: produced a non-finite value \(NaN\) at flat index 1/);
    expect(checkFinite(tensor([1]), 'ok').itemSync()).toBe(1);
  });
  it('setNanCheck makes every op check its output', () => {
    const x = tensor([-1, 1]);
    expect(log(x).dataSync()[0]).toBeNaN(); // off: no check
    setNanCheck(true);
    expect(() => log(x)).toThrow(/^log: produced a non-finite value/);
  });
});

describe('backend registry', () => {
  afterEach(() => {
    removeBackend('partial');
  });
  it('cpu is registered and selected by default', () => {
    expect(listBackends()).toContain('cpu');
    expect(getBackend().name).toBe('cpu');
    expect(() => setBackend('nope')).toThrow("setBackend: no backend named 'nope'");
  });
  it('a backend with only some kernels keeps data on its device and falls back to the CPU for the rest', () => {
    // A toy "device": values are boxed so a CPU kernel could never read them by accident.
    interface Box {
      device: Float32Array | Float64Array;
    }
    let reads = 0;
    let matmuls = 0;
    const partial: Backend = {
      name: 'partial',
      supportsDType: (d) => d === 'float32',
      write: (values) => ({ device: values }) satisfies Box,
      readSync: (h) => {
        reads++;
        return (h as Box).device.slice();
      },
      read: async (h) => (h as Box).device.slice(),
      disposeData: () => {},
      kernels: {
        MatMul: (inputs, attrs, outShape) => {
          matmuls++;
          const cpuOut = cpuBackend.kernels.MatMul!(
            inputs.map((t) => ({ ...t, handle: (t.handle as Box).device })),
            attrs,
            outShape,
          ) as Float32Array;
          return { device: cpuOut } satisfies Box;
        },
      },
    };
    registerBackend(partial, { priority: 10 });
    expect(getBackend().name).toBe('partial');
    const a = tensor([[1, 2], [3, 4]]);
    const b = tensor([[1, 0], [0, 1]]);
    // Two chained matmuls stay on the device: no read-back in between.
    const c = a.matmul(b).matmul(b);
    expect(matmuls).toBe(2);
    expect(reads).toBe(0);
    // relu is not implemented: the CPU runs it after one read-back of c.
    const d = c.neg().relu();
    expect(reads).toBe(1);
    expect(d.toArray()).toEqual([
      [0, 0],
      [0, 0],
    ]);
    expect(c.toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    // float64 is unsupported by the toy backend: it stays on the CPU.
    const e = tensor([[1]], { dtype: 'float64' }).matmul(tensor([[2]], { dtype: 'float64' }));
    expect(e.itemSync()).toBe(2);
    expect(matmuls).toBe(2);
    // what runs where the data is: the toy backend's MatMul, not FusedAttention; float64 lives on the CPU, which has every kernel
    expect([backendHasKernel('MatMul'), backendHasKernel('FusedAttention'), backendHasKernel('FusedAttention', 'float64')]).toEqual([true, false, true]);
    setBackend('cpu');
    expect(getBackend().name).toBe('cpu');
    expect(backendHasKernel('FusedAttention')).toBe(true);
  });
});
