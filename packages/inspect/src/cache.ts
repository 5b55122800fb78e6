// Run a model once and keep its activations by name: the ActivationCache. Everything else in
// this package is built on it, so no analysis re-implements the forward pass.
//
// Two phases, because tensors may live on a device that can only be read asynchronously
// (WebGPU): the forward pass runs synchronously inside tidy() (which frees every
// intermediate the cache does not keep), then `read()` copies what an analysis needs to the
// host with `await tensor.data()`, which works on every backend. `dispose()` frees the rest.
import { captureActivations, type HookFilter, type Module } from '@attn/layers';
import type { GPT } from '@attn/model';
import { noGrad, type Tensor, tidy } from '@attn/tensor';
import { checkIds, fail } from './errors.js';

/** A tensor copied to the host: its shape and its values, row-major. */
export interface HostTensor {
  shape: number[];
  data: Float32Array;
}

/** What a cached run kept: the logits and the activations by hook name. */
export interface ActivationCache {
  /** The token ids the model read. */
  readonly ids: readonly number[];
  /** (1, T, vocabSize) next-token scores. */
  readonly logits: Tensor;
  /** Every kept activation, by hook name (e.g. `transformer.h.0.attn.hook_pattern`). */
  readonly activations: ReadonlyMap<string, Tensor>;
  /** The activation `name`; an InspectError lists what was kept when it is missing. */
  get(name: string): Tensor;
  /** The activation `name` (or 'logits') copied to the host. */
  read(name: string): Promise<HostTensor>;
  /** Frees every tensor the cache holds; reading afterwards is an error. */
  dispose(): void;
}

/** Which activations to keep: every one, a list of names, a pattern, or a predicate. */
export type ActivationFilter = HookFilter | readonly string[] | RegExp;

function toPredicate(filter: ActivationFilter | undefined): HookFilter {
  if (filter === undefined) return () => true;
  if (typeof filter === 'function') return filter;
  if (filter instanceof RegExp) return (name) => filter.test(name);
  const wanted = new Set(filter);
  return (name) => wanted.has(name);
}

/** Copies a tensor's values to the host (works on every backend, WebGPU included). */
export async function readTensor(t: Tensor): Promise<HostTensor> {
  const values = await t.data();
  return { shape: [...t.shape], data: Float32Array.from(values) };
}

/**
 * Runs `body` with `model` in evaluation mode (no dropout) and restores its mode afterwards,
 * so inspecting a model that is being trained does not disturb the training.
 */
export function inEvalMode<T>(model: Module, body: () => T): T {
  const wasTraining = model.training;
  model.eval();
  try {
    return body();
  } finally {
    model.train(wasTraining);
  }
}

/**
 * Runs the GPT on one sequence of token ids (no gradients, dropout off) and keeps the
 * activations that pass `filter` (all of them by default; keeping only what you need saves
 * memory on big models).
 */
export function runWithCache(model: GPT, ids: ArrayLike<number>, options: { filter?: ActivationFilter } = {}): ActivationCache {
  const tokens = checkIds('runWithCache', ids, model.vocabSize, model.blockSize);
  const wanted = toPredicate(options.filter);
  const kept = inEvalMode(model, () =>
    tidy(() =>
      noGrad(() => {
        const { result, activations } = captureActivations(model, () => model.forward(tokens), wanted);
        // An activation may be a view of another (resid_post of block i is resid_pre of i + 1)
        // or of an intermediate: copy each into storage of its own, so dispose() frees exactly
        // what the cache holds and tidy() frees everything else.
        const entries = [...activations].map(([name, t]) => ({ name, t: t.add(0) }));
        return { logits: result.logits.add(0), entries };
      }),
    ),
  );
  return makeCache(tokens, kept.logits, new Map(kept.entries.map((e) => [e.name, e.t])));
}

/** An ActivationCache over tensors the caller hands over (it disposes them). */
export function makeCache(ids: readonly number[], logits: Tensor, activations: Map<string, Tensor>): ActivationCache {
  let disposed = false;
  const check = (op: string) => {
    if (disposed) fail(`ActivationCache.${op}`, 'the cache was disposed');
  };
  const get = (name: string): Tensor => {
    check('get');
    if (name === 'logits') return logits;
    const t = activations.get(name);
    if (!t) {
      const names = [...activations.keys()];
      const shown = names.length > 6 ? `${names.slice(0, 6).join(', ')}, … (${names.length} in all)` : names.join(', ') || 'none';
      fail('ActivationCache.get', `no activation named '${name}' was kept (kept: ${shown})`);
    }
    return t;
  };
  return {
    ids,
    logits,
    activations,
    get,
    read: (name) => readTensor(get(name)),
    dispose() {
      if (disposed) return;
      disposed = true;
      logits.dispose();
      for (const t of activations.values()) t.dispose();
    },
  };
}

/**
 * Runs the model, copies the named activations (and the logits) to the host, and frees
 * everything: the one-call form most analyses use.
 */
export async function readActivations(model: GPT, ids: ArrayLike<number>, names: readonly string[]): Promise<{ ids: number[]; logits: HostTensor; values: Map<string, HostTensor> }> {
  const cache = runWithCache(model, ids, { filter: names });
  try {
    const values = new Map<string, HostTensor>();
    for (const name of names) values.set(name, await cache.read(name));
    return { ids: [...cache.ids], logits: await cache.read('logits'), values };
  } finally {
    cache.dispose();
  }
}

/**
 * Head `head` of a (1, nh, Tq, Tk) activation as Tq rows of Tk numbers: one head's
 * attention pattern, or its q/k/v/z rows when the last axis is the head size.
 */
export function headRows(t: HostTensor, head: number): number[][] {
  if (t.shape.length !== 4 || t.shape[0] !== 1) fail('headRows', `expected a (1, heads, rows, columns) activation, got [${t.shape.join(', ')}]`);
  const [, nh, rows, cols] = t.shape;
  if (!Number.isInteger(head) || head < 0 || head >= nh) fail('headRows', `head ${head} is outside 0..${nh - 1}`);
  return Array.from({ length: rows }, (_, r) => Array.from(t.data.subarray((head * rows + r) * cols, (head * rows + r + 1) * cols)));
}

/** Row `position` of a (1, T, C) or (T, C) activation (or of the logits). */
export function positionRow(t: HostTensor, position: number): number[] {
  const batched = t.shape.length === 3 && t.shape[0] === 1;
  if (!batched && t.shape.length !== 2) fail('positionRow', `expected a (1, positions, width) or (positions, width) activation, got [${t.shape.join(', ')}]`);
  const [T, C] = batched ? t.shape.slice(1) : t.shape;
  if (!Number.isInteger(position) || position < 0 || position >= T) fail('positionRow', `position ${position} is outside 0..${T - 1}`);
  return Array.from(t.data.subarray(position * C, (position + 1) * C));
}
