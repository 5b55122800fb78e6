// Module: the base class of every layer. It owns named parameters and child
// modules, so a whole network can be walked by dotted path
// ("h.0.attn.c_attn.weight"), counted, switched between training and
// evaluation, saved to a plain state dict and loaded back with shape checks.
import type { Tensor } from '@attn/tensor';
import { hooksActive, isHookWanted, runHookPoint } from './hooks.js';

/** A flat map from dotted parameter path to tensor, as stateDict() returns it. */
export type StateDict = Record<string, Tensor>;

/** Values accepted by loadStateDict: tensors, or anything with shape + values. */
export type StateDictInput = Record<string, Tensor | { shape: readonly number[]; data: ArrayLike<number> }>;

export interface LoadStateDictOptions {
  /** When true (the default) missing or unexpected entries are an error; when false they are ignored. */
  strict?: boolean;
}

/** What loadStateDict found when strict is false (or when it succeeded). */
export interface LoadStateDictReport {
  /** Parameters of the module that the dict did not provide. */
  missing: string[];
  /** Entries of the dict that the module has no parameter for. */
  unexpected: string[];
}

const shapeStr = (shape: readonly number[]): string => `[${shape.join(', ')}]`;

export abstract class Module {
  /** True in training mode (dropout active); flip with train()/eval(). */
  training = true;
  // Insertion order is kept, so paths come out in construction order.
  private readonly params = new Map<string, Tensor>();
  private readonly children = new Map<string, Module>();

  /** Registers (or replaces) a parameter of this module; returns it. */
  protected registerParameter(name: string, value: Tensor): Tensor {
    checkName(name, this.params, this.children, 'parameter');
    value.requiresGrad = true;
    this.params.set(name, value);
    return value;
  }

  /** Registers a child module under `name` (its parameters appear as `name.*`); returns it. */
  protected registerModule<M extends Module>(name: string, child: M): M {
    checkName(name, this.params, this.children, 'module');
    this.children.set(name, child);
    return child;
  }

  /** This module's own parameter `name` (not a child's). */
  protected param(name: string): Tensor {
    const p = this.params.get(name);
    if (!p) throw new Error(`${this.constructor.name}: no parameter named '${name}'`);
    return p;
  }

  /**
   * Marks an activation of this module with a local name (`hook_q`, `hook_pattern`, ...):
   * inside withHooks()/captureActivations() the hooks see it as `<module path>.<name>` and
   * may replace it; otherwise it costs one check. Returns the (possibly replaced) tensor.
   */
  protected hookPoint(name: string, value: Tensor): Tensor {
    return hooksActive() ? runHookPoint(this, name, value) : value;
  }

  /** A hook point whose activation hooks may read but not replace (it was already used). */
  protected hookObserve(name: string, value: Tensor): void {
    if (hooksActive()) runHookPoint(this, name, value, true);
  }

  /** Whether an active hook wants this module's activation `name` (so the module computes it at all). */
  protected hookWanted(name: string): boolean {
    return hooksActive() && isHookWanted(this, name);
  }

  /** Direct children, in registration order. */
  namedChildren(): Array<[string, Module]> {
    return [...this.children];
  }

  /** Every parameter of this module and its descendants, with dotted paths. */
  namedParameters(prefix = ''): Array<[string, Tensor]> {
    const out: Array<[string, Tensor]> = [];
    for (const [name, p] of this.params) out.push([prefix + name, p]);
    for (const [name, child] of this.children) out.push(...child.namedParameters(`${prefix}${name}.`));
    return out;
  }

  /**
   * Every parameter tensor once (a tensor shared by two paths, as with tied
   * weights, is listed once so an optimizer does not update it twice).
   */
  parameters(): Tensor[] {
    return [...new Set(this.namedParameters().map(([, p]) => p))];
  }

  /** Number of scalar parameters (shared tensors counted once). */
  numParameters(): number {
    return this.parameters().reduce((n, p) => n + p.size, 0);
  }

  /** The parameter at a dotted path, e.g. 'attn.c_attn.weight'. */
  getParameter(path: string): Tensor {
    const [owner, name] = this.resolve(path);
    return owner.param(name);
  }

  /**
   * Points the parameter at `path` to another tensor of the same shape: used to
   * tie weights (GPT-2's output head reuses the token embedding).
   */
  setParameter(path: string, value: Tensor): void {
    const [owner, name] = this.resolve(path);
    const old = owner.param(name);
    if (!sameShape(old.shape, value.shape)) {
      throw new Error(`setParameter: '${path}' has shape ${shapeStr(old.shape)}, got ${shapeStr(value.shape)}`);
    }
    value.requiresGrad = true;
    owner.params.set(name, value);
  }

  /** Sets training mode on this module and every descendant. */
  train(on = true): this {
    this.training = on;
    for (const child of this.children.values()) child.train(on);
    return this;
  }

  /** Evaluation mode: dropout off. */
  eval(): this {
    return this.train(false);
  }

  /** Clears .grad on every parameter. */
  zeroGrad(): void {
    for (const p of this.parameters()) p.zeroGrad();
  }

  /** The parameters as a flat dotted-path map (the tensors themselves, not copies). */
  stateDict(): StateDict {
    return Object.fromEntries(this.namedParameters());
  }

  /**
   * Copies values into the parameters. Every entry is checked first (missing,
   * unexpected, mis-shaped, wrong number of values) and nothing is written
   * unless all checks pass, so a failed load leaves the module unchanged.
   */
  loadStateDict(dict: StateDictInput, opts: LoadStateDictOptions = {}): LoadStateDictReport {
    const strict = opts.strict ?? true;
    const own = new Map(this.namedParameters());
    const missing = [...own.keys()].filter((k) => !(k in dict));
    const unexpected = Object.keys(dict).filter((k) => !own.has(k));
    const misShaped: string[] = [];
    const writes: Array<[Tensor, ArrayLike<number>]> = [];
    for (const [path, target] of own) {
      const entry = dict[path];
      if (!entry) continue;
      const values = 'dataSync' in entry ? entry.dataSync() : entry.data;
      if (!sameShape(entry.shape, target.shape)) {
        misShaped.push(`${path}: expected ${shapeStr(target.shape)}, got ${shapeStr(entry.shape)}`);
      } else if (values.length !== target.size) {
        misShaped.push(`${path}: expected ${target.size} values, got ${values.length}`);
      } else {
        writes.push([target, values]);
      }
    }
    const problems: string[] = [];
    if (strict && missing.length > 0) problems.push(`missing: ${missing.join(', ')}`);
    if (strict && unexpected.length > 0) problems.push(`unexpected: ${unexpected.join(', ')}`);
    if (misShaped.length > 0) problems.push(`mis-shaped: ${misShaped.join('; ')}`);
    if (problems.length > 0) {
      throw new Error(`loadStateDict (${this.constructor.name}): ${problems.join(' | ')}`);
    }
    for (const [target, values] of writes) target.assign(values);
    return { missing, unexpected };
  }

  private resolve(path: string): [Module, string] {
    const parts = path.split('.');
    let owner: Module = this;
    for (const part of parts.slice(0, -1)) {
      const child = owner.children.get(part);
      if (!child) throw new Error(`${this.constructor.name}: no module at '${path}' (no child '${part}')`);
      owner = child;
    }
    return [owner, parts[parts.length - 1]];
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function checkName(name: string, params: Map<string, unknown>, children: Map<string, unknown>, kind: string): void {
  if (name === '' || name.includes('.')) throw new Error(`Module: ${kind} name must be non-empty without dots, got '${name}'`);
  if (kind === 'module' ? params.has(name) : children.has(name)) {
    throw new Error(`Module: '${name}' is already used by a ${kind === 'module' ? 'parameter' : 'module'}`);
  }
}
