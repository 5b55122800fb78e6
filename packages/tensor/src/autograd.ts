// Reverse-mode automatic differentiation: grad mode, the graph node each op
// records, and backward() over a topological order.
import { keepStorage, releaseAll } from './engine.js';
import type { Tensor } from './tensor.js';

/**
 * What an op records on its output when gradients are wanted. `backward`
 * receives the gradient of the output and which inputs need a gradient, and
 * returns one gradient per input (null where not needed). It is written with
 * ops, so it runs on whatever backend is selected.
 */
export interface GradNode {
  /** Op name, for error messages. */
  op: string;
  inputs: readonly Tensor[];
  backward: (dy: Tensor, needs: readonly boolean[]) => (Tensor | null)[];
}

let gradEnabled = true;

/** Whether ops currently record the graph. */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs fn without recording gradients (inference, optimizer updates, backward itself). */
export function noGrad<T>(fn: () => T): T {
  const previous = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = previous;
  }
}

/** Tensors reachable from root through grad nodes, inputs before outputs. */
function topologicalOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>();
  // Iterative DFS (a deep model would overflow a recursive one).
  const stack: { t: Tensor; next: number }[] = [{ t: root, next: 0 }];
  visited.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const inputs = top.t.gradNode?.inputs ?? [];
    if (top.next < inputs.length) {
      const child = inputs[top.next++];
      if (child.requiresGrad && !visited.has(child)) {
        visited.add(child);
        stack.push({ t: child, next: 0 });
      }
    } else {
      order.push(top.t);
      stack.pop();
    }
  }
  return order;
}

/**
 * Propagates `seed` (d root / d root) back through the graph and accumulates
 * into `.grad` of every leaf that requires grad. `add` sums two gradients.
 */
export function runBackward(
  root: Tensor,
  seed: Tensor,
  add: (a: Tensor, b: Tensor) => Tensor,
  copy: (a: Tensor) => Tensor,
): void {
  noGrad(() => {
    const order = topologicalOrder(root);
    const grads = new Map<Tensor, Tensor>([[root, seed]]);
    // Storages already handed to a leaf (or owned by the caller): a leaf gets its own
    // copy of any of these, so zeroGrad() on one leaf never frees another's gradient.
    const handedOut = new Set([seed.storage]);
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i];
      const g = grads.get(t);
      if (!g) continue;
      grads.delete(t);
      const node = t.gradNode;
      if (!node) {
        const own = handedOut.has(g.storage) ? copy(g) : g;
        handedOut.add(own.storage);
        const previous = t.grad;
        t.grad = previous ? add(previous, own) : own;
        if (previous) releaseAll(previous.storage); // replaced by the sum (accumulation over micro-batches)
        keepStorage(t.grad.storage); // a leaf's gradient outlives the tidy() it was computed in
        continue;
      }
      const needs = node.inputs.map((x) => x.requiresGrad);
      const inputGrads = node.backward(g, needs);
      node.inputs.forEach((x, k) => {
        const gx = inputGrads[k];
        if (!needs[k] || !gx) return;
        if (gx.shape.length !== x.shape.length || gx.shape.some((d, j) => d !== x.shape[j])) {
          throw new Error(
            `${node.op} backward: gradient shape [${gx.shape.join(',')}] differs from input shape [${x.shape.join(',')}]`,
          );
        }
        const previous = grads.get(x);
        grads.set(x, previous ? add(previous, gx) : gx);
      });
    }
  });
}
