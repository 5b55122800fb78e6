// Hook points: every activation a model computes is reachable by a stable name.
//
// A module marks an activation with `this.hookPoint('hook_q', q)`. The name a
// user sees is the module's dotted path in the model plus that local name, e.g.
// `transformer.h.0.attn.hook_pattern`, so analysis code reads the pattern of
// layer 0 without knowing how the forward pass is written (the idea of
// TransformerLens's HookPoint, on Hugging Face's module paths).
//
// Hooks are off unless a caller runs a forward pass inside withHooks() or
// captureActivations(); then each hook point calls the hook with the full name
// and the tensor. A hook may return a tensor of the same shape to replace the
// activation (zero-ablating a head, patching a residual stream); returning
// nothing leaves it unchanged. Modules can also ask hookWanted() to take a path
// that produces an activation at all (attention weights are only materialised
// when something needs them).
import type { Tensor } from '@attn/tensor';
import type { Module } from './module.js';

/** Called at each hook point; return a same-shaped tensor to replace the activation. */
export type HookFn = (name: string, value: Tensor) => Tensor | undefined;

/** Which hook names a hook wants; the default wants every name. */
export type HookFilter = (name: string) => boolean;

interface ActiveHooks {
  /** Every module under the root, with its dotted path ('' for the root). */
  paths: Map<Module, string>;
  fn: HookFn;
  filter: HookFilter;
}

/** Open withHooks() scopes, innermost last. */
const active: ActiveHooks[] = [];

/** Dotted path of every module under `root`, found by walking its children once. */
function modulePaths(root: Module): Map<Module, string> {
  const paths = new Map<Module, string>();
  const walk = (m: Module, path: string): void => {
    if (paths.has(m)) return; // a module registered twice keeps its first path
    paths.set(m, path);
    for (const [name, child] of m.namedChildren()) walk(child, path ? `${path}.${name}` : name);
  };
  walk(root, '');
  return paths;
}

function fullName(path: string, local: string): string {
  return path ? `${path}.${local}` : local;
}

/**
 * Runs `body` (a synchronous forward pass of `root` or of a model containing it)
 * with `fn` called at every hook point of every module under `root`, filtered
 * by `filter`. Returns what body returns.
 */
export function withHooks<T>(root: Module, fn: HookFn, body: () => T, filter: HookFilter = () => true): T {
  active.push({ paths: modulePaths(root), fn, filter });
  try {
    const result = body();
    if (result instanceof Promise) throw new Error('withHooks: body must be synchronous (it returned a Promise)');
    return result;
  } finally {
    active.pop();
  }
}

/**
 * Runs `body` and records every activation whose name passes `filter`, by name
 * (the tensors themselves; inside tidy() they are freed with the scope unless
 * returned or kept). A hook point reached twice (two calls of one module)
 * keeps the last value.
 */
export function captureActivations<T>(root: Module, body: () => T, filter: HookFilter = () => true): { result: T; activations: Map<string, Tensor> } {
  const activations = new Map<string, Tensor>();
  const result = withHooks(
    root,
    (name, value) => {
      activations.set(name, value);
      return undefined;
    },
    body,
    filter,
  );
  return { result, activations };
}

/**
 * Internal (Module.hookPoint): passes `value` through every active hook that covers `module`
 * and wants the name. At a read-only point (an activation already used by the time it is
 * reported) a replacement is an error rather than silently ignored.
 */
export function runHookPoint(module: Module, local: string, value: Tensor, readOnly = false): Tensor {
  let out = value;
  for (const scope of active) {
    const path = scope.paths.get(module);
    if (path === undefined) continue;
    const name = fullName(path, local);
    if (!scope.filter(name)) continue;
    const replaced = scope.fn(name, out);
    if (replaced !== undefined) {
      if (readOnly) throw new Error(`hook ${name}: this activation can be read but not replaced (it was already used when reported)`);
      if (replaced.shape.length !== out.shape.length || replaced.shape.some((d, i) => d !== out.shape[i])) {
        throw new Error(`hook ${name}: a replacement must have shape [${out.shape.join(', ')}], got [${replaced.shape.join(', ')}]`);
      }
      out = replaced;
    }
  }
  return out;
}

/** Internal (Module.hookWanted): whether any active hook covers `module` and wants the name. */
export function isHookWanted(module: Module, local: string): boolean {
  for (const scope of active) {
    const path = scope.paths.get(module);
    if (path !== undefined && scope.filter(fullName(path, local))) return true;
  }
  return false;
}

/** Whether any withHooks() scope is open (the fast path skips all hook work otherwise). */
export function hooksActive(): boolean {
  return active.length > 0;
}
