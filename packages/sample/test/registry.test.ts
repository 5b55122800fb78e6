import { describe, expect, it } from 'vitest';
import {
  type SamplingStrategy,
  defineProcessor,
  loadSamplerByName,
  loadSamplerFromSpec,
  parseSamplerSpec,
  registerSampler,
  registeredSamplers,
  samplerFromSpecs,
} from '../src/index.js';

const logits = Float32Array.from([1, 4, 2, 3]);
const kept = (l: Float32Array) => [...l.keys()].filter((i) => l[i] > Number.NEGATIVE_INFINITY);

describe('parseSamplerSpec', () => {
  it('parses names, numbers, booleans and strings', () => {
    expect(parseSamplerSpec('greedy')).toEqual({ name: 'greedy', options: {} });
    expect(parseSamplerSpec('typical:p=0.9, minTokensToKeep=2')).toEqual({ name: 'typical', options: { p: 0.9, minTokensToKeep: 2 } });
    expect(parseSamplerSpec('@me/pkg:flag=true,mode=fast')).toEqual({ name: '@me/pkg', options: { flag: true, mode: 'fast' } });
  });
  it('rejects malformed specs', () => {
    expect(() => parseSamplerSpec('top-k:40')).toThrow(/expected key=value, got "40"/);
    expect(() => parseSamplerSpec('')).toThrow(/non-empty string/);
  });
});

describe('loadSamplerByName', () => {
  it('builds the built-ins by name', async () => {
    expect(registeredSamplers()).toEqual(
      expect.arrayContaining(['greedy', 'multinomial', 'temperature', 'top-k', 'top-p', 'min-p', 'repetition-penalty']),
    );
    const k = await loadSamplerByName('top-k', { k: 2 });
    expect(k.kind === 'processor' && kept(k.process(logits, []))).toEqual([1, 3]);
    const s = await loadSamplerFromSpec('min-p:p=0.5');
    expect(s.name).toBe('min-p(0.5)');
  });

  it('passes option errors through with the strategy name', async () => {
    await expect(loadSamplerByName('top-k', { k: 0 })).rejects.toThrow(/topK: k must be an integer >= 1, got 0/);
    await expect(loadSamplerByName('top-k', { kk: 3 })).rejects.toThrow(/top-k: unknown option 'kk' \(expected k\)/);
  });

  it('imports @attn/sample-<name> and calls its createStrategy', async () => {
    const imported: string[] = [];
    const fakePackage = {
      createStrategy: (o: Record<string, unknown>): SamplingStrategy => defineProcessor(`fake(${o.x})`, (l) => l.slice()),
    };
    const s = await loadSamplerByName('fake', { x: 1 }, { importModule: async (id) => {
        imported.push(id);
        return fakePackage;
      },
    });
    expect(imported).toEqual(['@attn/sample-fake']);
    expect(s.name).toBe('fake(1)');
  });

  it('accepts a default-export factory and explicit package names', async () => {
    const mod = { default: () => defineProcessor('d', (l) => l) };
    const imported: string[] = [];
    const s = await loadSamplerByName('@someone/my-sampler', {}, { importModule: async (id) => {
        imported.push(id);
        return mod;
      },
    });
    expect(imported).toEqual(['@someone/my-sampler']);
    expect(s.name).toBe('d');
  });

  it('unknown names and bad packages are clear errors', async () => {
    const missing = async (id: string) => {
      throw new Error(`Cannot find package '${id}'`);
    };
    await expect(loadSamplerByName('nope', {}, { importModule: missing })).rejects.toThrow(
      /unknown sampler 'nope': it is not built in \(greedy, .*\) and the package '@attn\/sample-nope' could not be imported/,
    );
    await expect(loadSamplerByName('bad', {}, { importModule: async () => ({ something: 1 }) })).rejects.toThrow(
      /'@attn\/sample-bad' must export createStrategy\(options\)/,
    );
    await expect(loadSamplerByName('liar', {}, { importModule: async () => ({ createStrategy: () => ({ kind: 'x' }) }) })).rejects.toThrow(
      /sampler 'liar': its factory returned an object, not a SamplingStrategy/,
    );
    await expect(loadSamplerByName('Top K!')).rejects.toThrow(/is not a sampler name/);
  });

  it('registerSampler makes a name available in this process', async () => {
    registerSampler('ban-zero', () => defineProcessor('ban-zero', (l) => l.map((x, i) => (i === 0 ? Number.NEGATIVE_INFINITY : x))));
    const s = await loadSamplerByName('ban-zero');
    expect(s.kind === 'processor' && kept(s.process(logits, []))).toEqual([1, 2, 3]);
    expect(() => registerSampler('Bad Name', () => defineProcessor('x', (l) => l))).toThrow(/lowercase letters, digits and dashes/);
  });
});

describe('samplerFromSpecs', () => {
  it('builds a pipeline in order with a seeded multinomial by default', async () => {
    const s = await samplerFromSpecs(['temperature:t=0.5', 'top-k:k=2'], { seed: 3 });
    expect(s.describe()).toBe('temperature(0.5) -> top-k(2) -> multinomial(seed=3)');
    for (let i = 0; i < 20; i++) expect([1, 3]).toContain(s.sample(logits));
  });
  it('a chooser may only come last', async () => {
    expect((await samplerFromSpecs(['top-k:k=2', 'greedy'])).describe()).toBe('top-k(2) -> greedy');
    await expect(samplerFromSpecs(['greedy', 'top-k:k=2'])).rejects.toThrow(/"greedy" is a chooser \('greedy'\); only the last spec may be a chooser/);
  });
});
