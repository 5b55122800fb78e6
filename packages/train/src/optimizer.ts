// The shared shape of optimisers: named parameters, per-parameter state arrays
// (float32, one per moment), and a step counter, so checkpoints can save and
// restore everything needed to continue a run exactly.
import type { Tensor } from '@attn/tensor';
import { type NamedParameter, nameParameters } from './param-groups.js';

export abstract class Optimizer {
  /** Parameters in a fixed order, with names (duplicates from weight tying removed). */
  readonly params: NamedParameter[];
  /** Completed optimiser steps (AdamW's bias correction uses it). */
  stepCount = 0;
  /** Per parameter name: its state arrays by key (SGD's "momentum"; AdamW keeps its moments as tensors on the backend and overrides stateDict/loadStateDict). */
  protected readonly state = new Map<string, Record<string, Float32Array>>();

  constructor(params: readonly NamedParameter[] | readonly Tensor[]) {
    this.params = nameParameters(params);
    if (this.params.length === 0) throw new Error(`${this.constructor.name}: no parameters to optimise`);
  }

  /** Applies one update using each parameter's .grad, at learning rate `lr`. */
  abstract step(lr: number): void;

  /** The state keys this optimiser keeps per parameter. */
  protected abstract readonly stateKeys: readonly string[];

  /** Clears every parameter's gradient. */
  zeroGrad(): void {
    for (const [, p] of this.params) p.zeroGrad();
  }

  /** Lazily creates zeroed state for a parameter. */
  protected stateFor(name: string, size: number): Record<string, Float32Array> {
    let s = this.state.get(name);
    if (!s) {
      s = {};
      for (const key of this.stateKeys) s[key] = new Float32Array(size);
      this.state.set(name, s);
    }
    return s;
  }

  /**
   * The optimiser state that lives on a tensor backend (AdamW's moments), for moving a run
   * between backends (@attn/tensor's moveTensors). State kept in host arrays is not listed.
   */
  stateTensors(): Tensor[] {
    return [];
  }

  /** Every state array as `<key>.<param name>` (copies), for checkpoints. */
  stateDict(): Map<string, Float32Array> {
    const out = new Map<string, Float32Array>();
    for (const [name, p] of this.params) {
      const s = this.stateFor(name, p.size);
      for (const key of this.stateKeys) out.set(`${key}.${name}`, s[key].slice());
    }
    return out;
  }

  /** Restores arrays written by stateDict(); every key must be present with the right size. */
  loadStateDict(dict: ReadonlyMap<string, ArrayLike<number>>, stepCount: number): void {
    for (const [name, p] of this.params) {
      const s = this.stateFor(name, p.size);
      for (const key of this.stateKeys) {
        const values = dict.get(`${key}.${name}`);
        if (!values) throw new Error(`${this.constructor.name}.loadStateDict: missing state "${key}.${name}"`);
        if (values.length !== p.size) {
          throw new Error(`${this.constructor.name}.loadStateDict: state "${key}.${name}" has ${values.length} values, parameter has ${p.size}`);
        }
        s[key].set(values);
      }
    }
    this.stepCount = stepCount;
  }
}

export function checkRate(owner: string, lr: number): void {
  if (!(lr >= 0) || !Number.isFinite(lr)) throw new Error(`${owner}.step: lr must be a finite non-negative number, got ${lr}`);
}
