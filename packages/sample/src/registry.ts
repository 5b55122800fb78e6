// Finding a strategy by name, so a command line can say `--sampler typical:p=0.9`.
//
// `loadSamplerByName(name, options)` looks in three places, in order:
//   1. strategies registered in this process with `registerSampler` (the
//      built-ins are registered already: greedy, multinomial, temperature,
//      top-k, top-p, min-p, repetition-penalty);
//   2. the package `@attn/sample-<name>` (e.g. `typical` -> `@attn/sample-typical`);
//   3. if the name is itself a package name or path (`@scope/pkg`, `./file.js`),
//      that module.
// A strategy package exports `createStrategy(options): SamplingStrategy`
// (named, or as its default export).
import { greedy } from './greedy.js';
import { minP } from './min-p.js';
import { multinomial } from './multinomial.js';
import { repetitionPenalty } from './repetition-penalty.js';
import { type Sampler, sampler } from './sampler.js';
import { type SamplingStrategy, isSamplingStrategy } from './strategy.js';
import { temperature } from './temperature.js';
import { topK } from './top-k.js';
import { topP } from './top-p.js';
import { checkOptions, describe } from './validate.js';

/** Options of a strategy factory, as parsed from `name:key=value,...` or given in code. */
export type SamplerOptions = Record<string, unknown>;

/** What a strategy package exports (named `createStrategy`, or default). */
export type StrategyFactory = (options: SamplerOptions) => SamplingStrategy;

/** Resolves a module specifier; pass `(id) => import(id)` from your own package so resolution starts there. */
export type ImportModule = (specifier: string) => Promise<unknown>;

const registry = new Map<string, StrategyFactory>();

const NAME = /^[a-z][a-z0-9-]*$/;

/** Makes `name` available to `loadSamplerByName` in this process. Re-registering a name replaces it. */
export function registerSampler(name: string, factory: StrategyFactory): void {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new RangeError(`registerSampler: name must be lowercase letters, digits and dashes (e.g. "top-k"), got ${describe(name)}`);
  }
  if (typeof factory !== 'function') throw new TypeError(`registerSampler(${name}): factory must be a function (options) => SamplingStrategy`);
  registry.set(name, factory);
}

/** Names registered so far (built-ins first). */
export function registeredSamplers(): string[] {
  return [...registry.keys()];
}

/** The package a strategy name maps to: `typical` -> `@attn/sample-typical`. */
export function samplerPackageName(name: string): string {
  return `@attn/sample-${name}`;
}

export interface LoadOptions {
  /** How to import a strategy package; defaults to a dynamic import from @attn/sample itself. */
  importModule?: ImportModule;
}

/** Resolves `name` (see the top of this file) and builds the strategy with `options`. */
export async function loadSamplerByName(name: string, options: SamplerOptions = {}, load: LoadOptions = {}): Promise<SamplingStrategy> {
  if (typeof name !== 'string' || name.length === 0) throw new TypeError(`loadSamplerByName: name must be a non-empty string, got ${describe(name)}`);
  const local = registry.get(name);
  if (local) return build(name, local, options);

  const isSpecifier = name.startsWith('@') || name.startsWith('.') || name.startsWith('/') || name.includes('/');
  if (!isSpecifier && !NAME.test(name)) {
    throw new RangeError(`loadSamplerByName: '${name}' is not a sampler name (lowercase letters, digits, dashes) or a package name`);
  }
  const specifier = isSpecifier ? name : samplerPackageName(name);
  const importModule = load.importModule ?? defaultImport;
  let mod: unknown;
  try {
    mod = await importModule(specifier);
  } catch (error) {
    const known = registeredSamplers().join(', ');
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new Error(
      `unknown sampler '${name}': it is not built in (${known}) and the package '${specifier}' could not be imported (${reason}). Install it next to the program that loads it, e.g. pnpm add ${specifier}`,
    );
  }
  const factory = factoryOf(mod);
  if (!factory) {
    throw new TypeError(`sampler package '${specifier}' must export createStrategy(options) (named or default) returning a SamplingStrategy`);
  }
  return build(name, factory, options);
}

/**
 * Parses a command-line sampler spec: `name` or `name:key=value,key=value`.
 * Values that look like numbers or booleans become numbers or booleans.
 * `typical:p=0.9` -> { name: 'typical', options: { p: 0.9 } }.
 */
export function parseSamplerSpec(spec: string): { name: string; options: SamplerOptions } {
  if (typeof spec !== 'string' || spec.trim() === '') throw new RangeError(`sampler spec must be a non-empty string like "top-k:k=40", got ${describe(spec)}`);
  // A colon after a scoped package or path is the options separator too: "@me/pkg:p=1".
  const colon = spec.indexOf(':');
  const name = (colon < 0 ? spec : spec.slice(0, colon)).trim();
  const options: SamplerOptions = {};
  if (colon >= 0) {
    for (const pair of spec.slice(colon + 1).split(',')) {
      if (pair.trim() === '') continue;
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new RangeError(`sampler spec "${spec}": expected key=value, got "${pair}"`);
      options[pair.slice(0, eq).trim()] = parseValue(pair.slice(eq + 1).trim());
    }
  }
  return { name, options };
}

/** Loads a strategy from a `name:key=value,...` spec (see parseSamplerSpec). */
export async function loadSamplerFromSpec(spec: string, load: LoadOptions = {}): Promise<SamplingStrategy> {
  const { name, options } = parseSamplerSpec(spec);
  return loadSamplerByName(name, options, load);
}

function parseValue(text: string): unknown {
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (text !== '' && Number.isFinite(Number(text))) return Number(text);
  return text;
}

function factoryOf(mod: unknown): StrategyFactory | undefined {
  if (typeof mod !== 'object' || mod === null) return undefined;
  const m = mod as { createStrategy?: unknown; default?: unknown };
  if (typeof m.createStrategy === 'function') return m.createStrategy as StrategyFactory;
  if (typeof m.default === 'function') return m.default as StrategyFactory;
  // CommonJS interop: the default export may wrap the named exports.
  const inner = m.default as { createStrategy?: unknown } | undefined;
  if (inner && typeof inner.createStrategy === 'function') return inner.createStrategy as StrategyFactory;
  return undefined;
}

function build(name: string, factory: StrategyFactory, options: SamplerOptions): SamplingStrategy {
  const strategy = factory(options ?? {});
  if (!isSamplingStrategy(strategy)) {
    throw new TypeError(`sampler '${name}': its factory returned ${describe(strategy)}, not a SamplingStrategy ({ kind: 'processor' | 'chooser', name, process | choose })`);
  }
  return strategy;
}

const defaultImport: ImportModule = (specifier) => import(/* @vite-ignore */ specifier);

// ---- built-ins, by the names the CLI uses ----------------------------------

registerSampler('greedy', (o) => {
  checkOptions('greedy', o, []);
  return greedy();
});
registerSampler('multinomial', (o) => {
  const { seed } = checkOptions('multinomial', o, ['seed']);
  return multinomial(seed === undefined ? {} : { seed: seed as number });
});
registerSampler('temperature', (o) => temperature(checkOptions('temperature', o, ['t']).t as number));
registerSampler('top-k', (o) => topK(checkOptions('top-k', o, ['k']).k as number));
registerSampler('top-p', (o) => topP(checkOptions('top-p', o, ['p']).p as number));
registerSampler('min-p', (o) => minP(checkOptions('min-p', o, ['p']).p as number));
registerSampler('repetition-penalty', (o) => {
  const { penalty, lastN } = checkOptions('repetition-penalty', o, ['penalty', 'lastN']);
  return repetitionPenalty(penalty as number, lastN === undefined ? {} : { lastN: lastN as number });
});

export interface SpecsOptions extends LoadOptions {
  /** Seed of the default multinomial chooser (used when no spec is a chooser). */
  seed?: number;
}

/**
 * A whole sampler from specs in pipeline order, e.g. from repeated `--sampler`
 * flags: ["repetition-penalty:penalty=1.1", "temperature:t=0.8", "typical:p=0.9"].
 * At most one spec may be a chooser and it must come last; without one the
 * sampler draws with multinomial({ seed }).
 */
export async function samplerFromSpecs(specs: readonly string[], options: SpecsOptions = {}): Promise<Sampler> {
  const strategies: SamplingStrategy[] = [];
  for (const spec of specs) strategies.push(await loadSamplerFromSpec(spec, options));
  const last = strategies.at(-1);
  const chooser = last?.kind === 'chooser' ? strategies.pop()! : multinomial(options.seed === undefined ? {} : { seed: options.seed });
  const misplaced = strategies.findIndex((s) => s.kind === 'chooser');
  if (misplaced >= 0) {
    throw new RangeError(`sampler spec "${specs[misplaced]}" is a chooser ('${strategies[misplaced].name}'); only the last spec may be a chooser`);
  }
  return sampler(strategies, chooser);
}
