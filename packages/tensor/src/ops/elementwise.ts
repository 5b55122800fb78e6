// Elementwise ops with broadcasting, and their gradients.
import type { BinaryOp, DType } from '../backend.js';
import { broadcastShapes, shapeStr } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { full } from './creation.js';
import { assertTensor, record, run } from './op.js';
import { reshape } from './reshape.js';
import { sum } from './reduce.js';

/** Numbers become scalar tensors; a float32/float64 mix is promoted to float64. */
function operands(a: Tensor | number, b: Tensor | number, op: string): [Tensor, Tensor] {
  if (typeof a === 'number' && typeof b === 'number') throw new Error(`${op}: at least one operand must be a Tensor`);
  if (typeof a === 'number') a = full([], a, { dtype: (b as Tensor).dtype });
  if (typeof b === 'number') b = full([], b, { dtype: a.dtype });
  assertTensor(a, op, 'first operand');
  assertTensor(b, op, 'second operand');
  if (a.dtype !== b.dtype) {
    if (a.dtype === 'float32') a = cast(a, 'float64');
    else b = cast(b, 'float64');
  }
  return [a, b];
}

/** Sums a broadcast gradient back down to `shape` (the reverse of broadcasting). */
export function sumTo(g: Tensor, shape: readonly number[]): Tensor {
  if (g.shape.length === shape.length && g.shape.every((d, i) => d === shape[i])) return g;
  const lead = g.ndim - shape.length;
  const axes: number[] = [];
  for (let d = 0; d < g.ndim; d++) {
    if (d < lead || (shape[d - lead] === 1 && g.shape[d] !== 1)) axes.push(d);
  }
  return reshape(sum(g, axes, false), shape);
}

/** t repeated to `shape` (NumPy broadcasting); gradient sums back. */
export function broadcastTo(t: Tensor, shape: readonly number[]): Tensor {
  const out = broadcastShapes(t.shape, shape, 'broadcastTo');
  if (out.length !== shape.length || out.some((d, i) => d !== shape[i])) {
    throw new Error(`broadcastTo: cannot broadcast ${shapeStr(t.shape)} to ${shapeStr(shape)}`);
  }
  if (t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i])) return t;
  const y = run('BroadcastTo', [t], {}, shape);
  return record(y, 'broadcastTo', [t], (dy) => [sumTo(dy, t.shape)]);
}

function binary(op: BinaryOp, aIn: Tensor | number, bIn: Tensor | number): Tensor {
  const [a, b] = operands(aIn, bIn, op);
  const outShape = broadcastShapes(a.shape, b.shape, op);
  const y = run('Binary', [a, b], { op, outShape }, outShape);
  return record(y, op, [a, b], (dy, needs) => {
    switch (op) {
      case 'add':
        return [needs[0] ? sumTo(dy, a.shape) : null, needs[1] ? sumTo(dy, b.shape) : null];
      case 'sub':
        return [needs[0] ? sumTo(dy, a.shape) : null, needs[1] ? sumTo(neg(dy), b.shape) : null];
      case 'mul':
        return [needs[0] ? sumTo(mul(dy, b), a.shape) : null, needs[1] ? sumTo(mul(dy, a), b.shape) : null];
      case 'div':
        // d(a/b)/db = -a/b^2 = -y/b
        return [needs[0] ? sumTo(div(dy, b), a.shape) : null, needs[1] ? sumTo(neg(div(mul(dy, y), b)), b.shape) : null];
    }
  });
}

export function add(a: Tensor | number, b: Tensor | number): Tensor {
  return binary('add', a, b);
}
export function sub(a: Tensor | number, b: Tensor | number): Tensor {
  return binary('sub', a, b);
}
export function mul(a: Tensor | number, b: Tensor | number): Tensor {
  return binary('mul', a, b);
}
export function div(a: Tensor | number, b: Tensor | number): Tensor {
  return binary('div', a, b);
}

export function neg(x: Tensor): Tensor {
  assertTensor(x, 'neg', 'x');
  return record(run('Unary', [x], { op: 'neg' }, x.shape), 'neg', [x], (dy) => [neg(dy)]);
}

export function exp(x: Tensor): Tensor {
  assertTensor(x, 'exp', 'x');
  const y = run('Unary', [x], { op: 'exp' }, x.shape);
  return record(y, 'exp', [x], (dy) => [mul(dy, y)]);
}

export function log(x: Tensor): Tensor {
  assertTensor(x, 'log', 'x');
  return record(run('Unary', [x], { op: 'log' }, x.shape), 'log', [x], (dy) => [div(dy, x)]);
}

export function sqrt(x: Tensor): Tensor {
  assertTensor(x, 'sqrt', 'x');
  const y = run('Unary', [x], { op: 'sqrt' }, x.shape);
  return record(y, 'sqrt', [x], (dy) => [div(mul(dy, 0.5), y)]);
}

export function tanh(x: Tensor): Tensor {
  assertTensor(x, 'tanh', 'x');
  const y = run('Unary', [x], { op: 'tanh' }, x.shape);
  // d tanh = 1 - y^2
  return record(y, 'tanh', [x], (dy) => [mul(dy, sub(1, mul(y, y)))]);
}

export function relu(x: Tensor): Tensor {
  assertTensor(x, 'relu', 'x');
  const y = run('Unary', [x], { op: 'relu' }, x.shape);
  return record(y, 'relu', [x], (dy) => [run('UnaryGrad', [dy, x], { op: 'relu' }, x.shape)]);
}

/** GELU: 'tanh' (default, GPT-2's approximation) or 'none' (exact, with erf). */
export function gelu(x: Tensor, approximate: 'tanh' | 'none' = 'tanh'): Tensor {
  assertTensor(x, 'gelu', 'x');
  if (approximate !== 'tanh' && approximate !== 'none') {
    throw new Error(`gelu: approximate must be 'tanh' or 'none', got '${approximate}'`);
  }
  const op = approximate === 'tanh' ? 'geluTanh' : 'geluErf';
  const y = run('Unary', [x], { op }, x.shape);
  return record(y, 'gelu', [x], (dy) => [run('UnaryGrad', [dy, x], { op }, x.shape)]);
}

/** x ** p for a number p. */
export function pow(x: Tensor, p: number): Tensor {
  assertTensor(x, 'pow', 'x');
  if (typeof p !== 'number') throw new Error(`pow: exponent must be a number, got ${typeof p}`);
  const y = run('PowScalar', [x], { exponent: p }, x.shape);
  return record(y, 'pow', [x], (dy) => [mul(dy, mul(pow(x, p - 1), p))]);
}

/** A copy in another dtype; the gradient is cast back. */
export function cast(x: Tensor, dtype: DType): Tensor {
  assertTensor(x, 'cast', 'x');
  if (x.dtype === dtype) return x;
  const y = run('Cast', [x], { dtype }, x.shape, dtype);
  return record(y, 'cast', [x], (dy) => [cast(dy, x.dtype)]);
}
