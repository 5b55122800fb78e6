import { describe, expect, it } from 'vitest';
import { type GenerateResult, generate, generateSync, multinomial, sampler, temperature } from '../src/index.js';
import { BigramModel, cycleTable } from './bigram-model.js';

const letters = 'abcdefghij';
const decode = (ids: readonly number[]) => ids.map((i) => letters[i]).join('');

/** All yielded tokens and the generator's return value. */
function runSync(gen: Generator<number, GenerateResult, void>): { tokens: number[]; result: GenerateResult } {
  const tokens: number[] = [];
  while (true) {
    const next = gen.next();
    if (next.done) return { tokens, result: next.value };
    tokens.push(next.value);
  }
}

describe('generateSync', () => {
  it('greedy over a bigram cycle; prompt fed once, then one token per step', () => {
    const model = new BigramModel(cycleTable(5), 64);
    const { tokens, result } = runSync(generateSync(model, [3], { maxNewTokens: 6, sampler: sampler() }));
    expect(tokens).toEqual([4, 0, 1, 2, 3, 4]);
    expect(result).toEqual({ tokens, reason: 'maxNewTokens', slides: 0 });
    // uses the cache: the prompt, then each new token alone; the last token is never fed
    expect(model.feeds.map((f) => f.ids)).toEqual([[3], [4], [0], [1], [2], [3]]);
    expect(model.statesStarted).toBe(1);
  });

  it('never exceeds blockSize: slides to the last `keep` tokens (default blockSize / 2)', () => {
    const model = new BigramModel(cycleTable(7), 4);
    const prompt = [0, 1];
    const { tokens, result } = runSync(generateSync(model, prompt, { maxNewTokens: 10, sampler: sampler() }));
    expect(tokens).toEqual([2, 3, 4, 5, 6, 0, 1, 2, 3, 4]);
    expect(model.maxLength).toBe(4);
    // state 0 fills up to 4 tokens; each new state starts from the last 2 tokens and fills up again
    expect(model.feeds).toEqual([
      { state: 0, ids: [0, 1] },
      { state: 0, ids: [2] },
      { state: 0, ids: [3] },
      { state: 1, ids: [3, 4] },
      { state: 1, ids: [5] },
      { state: 1, ids: [6] },
      { state: 2, ids: [6, 0] },
      { state: 2, ids: [1] },
      { state: 2, ids: [2] },
      { state: 3, ids: [2, 3] },
    ]);
    expect(result.slides).toBe(3);
  });

  it('disposes every state it is done with: at a slide, at the end, and when the caller stops early', () => {
    const model = new BigramModel(cycleTable(7), 4);
    runSync(generateSync(model, [0, 1], { maxNewTokens: 10, sampler: sampler() }));
    expect(model.disposed).toEqual([0, 1, 2, 3]);
    const early = new BigramModel(cycleTable(7), 64);
    const gen = generateSync(early, [0], { maxNewTokens: 10, sampler: sampler() });
    gen.next();
    expect(early.disposed).toEqual([]);
    gen.return({ tokens: [], reason: 'aborted', slides: 0 }); // what a for...of loop's break does
    expect(early.disposed).toEqual([0]);
  });

  it('keep = blockSize - 1 slides every other token, keeping blockSize - 1 tokens', () => {
    const model = new BigramModel(cycleTable(7), 3);
    runSync(generateSync(model, [0, 1, 2, 3, 4], { maxNewTokens: 5, sampler: sampler(), keep: 2 }));
    // a prompt longer than the block is cut to its last blockSize tokens
    expect(model.feeds.map((f) => f.ids)).toEqual([[2, 3, 4], [4, 5], [6], [6, 0], [1]]);
    expect(model.maxLength).toBe(3);
  });

  it('stops on a stop token without yielding it', () => {
    const model = new BigramModel(cycleTable(5), 64);
    const { tokens, result } = runSync(generateSync(model, [0], { maxNewTokens: 20, sampler: sampler(), stop: { tokens: [3] } }));
    expect(tokens).toEqual([1, 2]);
    expect(result.reason).toBe('stopToken');
  });

  it('stops on a stop string and never streams any part of it', () => {
    // greedy from "a": b c d e a b c ...; stop at "cd"
    const model = new BigramModel(cycleTable(5), 64);
    const streamed: number[] = [];
    const gen = generateSync(model, [0], { maxNewTokens: 20, sampler: sampler(), stop: { strings: ['cd'], decode } });
    let next = gen.next();
    const heldBackAfterC: boolean[] = [];
    while (!next.done) {
      streamed.push(next.value);
      heldBackAfterC.push(decode(streamed).endsWith('c'));
      next = gen.next();
    }
    expect(decode(streamed)).toBe('b');
    expect(heldBackAfterC).toEqual([false]); // "c" was held back because it starts "cd"
    expect(next.value.reason).toBe('stopString');
  });

  it('releases held-back tokens when the stop string does not complete', () => {
    // stop "ce" never occurs in b c d e a ...: "c" is held, then released with "d"
    const model = new BigramModel(cycleTable(5), 64);
    const { tokens, result } = runSync(generateSync(model, [0], { maxNewTokens: 6, sampler: sampler(), stop: { strings: ['ce'], decode } }));
    expect(decode(tokens)).toBe('bcdeab');
    expect(result.reason).toBe('maxNewTokens');
  });

  it('a stop string inside a multi-character token cuts before that token', () => {
    const words = ['x', 'hello', ' wor', 'ld!', 'end'];
    const table = [
      [0, 9, 0, 0, 0],
      [0, 0, 9, 0, 0],
      [0, 0, 0, 9, 0],
      [0, 0, 0, 0, 9],
      [9, 0, 0, 0, 0],
    ];
    const model = new BigramModel(table, 64);
    const wordDecode = (ids: readonly number[]) => ids.map((i) => words[i]).join('');
    const { tokens, result } = runSync(
      generateSync(model, [0], { maxNewTokens: 10, sampler: sampler(), stop: { strings: ['world'], decode: wordDecode } }),
    );
    expect(wordDecode(tokens)).toBe('hello');
    expect(result.reason).toBe('stopString');
  });

  it('passes the whole context to the sampler (for repetition penalties)', () => {
    const model = new BigramModel(cycleTable(4), 8);
    const seen: number[][] = [];
    const spy = {
      kind: 'processor' as const,
      name: 'spy',
      process: (l: Float32Array, t: readonly number[]) => {
        seen.push([...t]);
        return l;
      },
    };
    runSync(generateSync(model, [0, 1], { maxNewTokens: 3, sampler: sampler([spy]) }));
    expect(seen).toEqual([[0, 1], [0, 1, 2], [0, 1, 2, 3]]);
  });

  it('is reproducible with a seeded multinomial', () => {
    const table = [
      [1, 1, 1],
      [0, 2, 1],
      [1, 0, 1],
    ];
    const run = (seed: number) =>
      runSync(generateSync(new BigramModel(table, 5), [0], { maxNewTokens: 30, sampler: sampler([temperature(1)], multinomial({ seed })) })).tokens;
    expect(run(4)).toEqual(run(4));
    expect(run(4)).not.toEqual(run(5));
  });

  it('maxNewTokens 0 yields nothing', () => {
    const model = new BigramModel(cycleTable(3), 4);
    expect(runSync(generateSync(model, [0], { maxNewTokens: 0, sampler: sampler() })).tokens).toEqual([]);
  });

  it('bad input is a clear error', () => {
    const model = new BigramModel(cycleTable(3), 4);
    const s = sampler();
    const first = (f: () => Generator<number, GenerateResult, void>) => () => f().next();
    expect(first(() => generateSync(model, [], { maxNewTokens: 1, sampler: s }))).toThrow(/promptIds is empty/);
    expect(first(() => generateSync(model, [7], { maxNewTokens: 1, sampler: s }))).toThrow(/promptIds\[0\] = 7 is not a token id in \[0, 3\)/);
    expect(first(() => generateSync(model, [0], { maxNewTokens: -1, sampler: s }))).toThrow(/maxNewTokens must be an integer >= 0/);
    expect(first(() => generateSync(model, [0], { maxNewTokens: 1, sampler: s, keep: 4 }))).toThrow(/keep must be an integer in \[1, 3\]/);
    expect(first(() => generateSync(model, [0], { maxNewTokens: 1 } as never))).toThrow(/options.sampler must be a Sampler/);
    expect(first(() => generateSync(model, [0], { maxNewTokens: 1, sampler: s, stop: { strings: ['a'] } }))).toThrow(/stop.strings needs stop.decode/);
    expect(first(() => generateSync({} as never, [0], { maxNewTokens: 1, sampler: s }))).toThrow(/model must implement IncrementalLM/);
    const wrongSize = { blockSize: 4, vocabSize: 5, startDecoding: () => ({ length: 0, feed: () => new Float32Array(3) }) };
    expect(first(() => generateSync(wrongSize, [0], { maxNewTokens: 1, sampler: s }))).toThrow(/expected 5 logits \(the vocabulary size\), got 3/);
  });
});

describe('generate (async)', () => {
  it('streams the same tokens as generateSync and returns the result', async () => {
    const model = new BigramModel(cycleTable(5), 3);
    const streamed: number[] = [];
    for await (const id of generate(model, [1], { maxNewTokens: 7, sampler: sampler() })) streamed.push(id);
    const { tokens } = runSync(generateSync(new BigramModel(cycleTable(5), 3), [1], { maxNewTokens: 7, sampler: sampler() }));
    expect(streamed).toEqual(tokens);
    expect(streamed).toEqual([2, 3, 4, 0, 1, 2, 3]);
  });

  it('stops with reason "aborted" when the signal fires', async () => {
    const model = new BigramModel(cycleTable(5), 64);
    const controller = new AbortController();
    const gen = generate(model, [0], { maxNewTokens: 100, sampler: sampler(), signal: controller.signal });
    const got: number[] = [];
    let next = await gen.next();
    while (!next.done) {
      got.push(next.value);
      if (got.length === 3) controller.abort();
      next = await gen.next();
    }
    expect(got).toEqual([1, 2, 3]);
    expect(next.value.reason).toBe('aborted');
    expect(next.value.tokens).toEqual([1, 2, 3]);
  });
});

describe('generate on a model that can only be read asynchronously (as on WebGPU)', () => {
  /** The bigram model whose states refuse feed() and answer feedAsync() after a turn of the event loop. */
  function asyncOnly(model: BigramModel): BigramModel {
    const start = model.startDecoding.bind(model);
    model.startDecoding = () => {
      const state = start();
      return {
        get length() {
          return state.length;
        },
        feed() {
          throw new Error('SyncReadError: use feedAsync');
        },
        async feedAsync(ids: readonly number[]) {
          await new Promise((resolve) => setTimeout(resolve, 0));
          return state.feed(ids);
        },
      };
    };
    return model;
  }

  it('feeds through feedAsync, sliding the window and sampling exactly as the synchronous loop does', async () => {
    const options = () => ({ maxNewTokens: 12, sampler: sampler([temperature(1.5)], multinomial({ seed: 9 })) });
    const reference = new BigramModel(cycleTable(7), 4);
    const expected = runSync(generateSync(reference, [0, 1], options()));
    const model = asyncOnly(new BigramModel(cycleTable(7), 4));
    const tokens: number[] = [];
    const gen = generate(model, [0, 1], options());
    let next = await gen.next();
    while (!next.done) {
      tokens.push(next.value);
      next = await gen.next();
    }
    expect(tokens).toEqual(expected.tokens);
    expect(next.value).toEqual(expected.result);
    expect(model.feeds).toEqual(reference.feeds); // the same calls, slides included
    expect(() => runSync(generateSync(asyncOnly(new BigramModel(cycleTable(3), 4)), [0], options()))).toThrow('SyncReadError: use feedAsync');
  });
});
