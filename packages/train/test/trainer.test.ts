import { createCorefLanguage, reversalTask } from '@attn/datasets';
import { GPT, type GPTConfig, Transformer } from '@attn/model';
import { setBackend, tensor } from '@attn/tensor';
import { afterEach, describe, expect, it } from 'vitest';
import {
  clipGradNorm,
  packScalars,
  sentenceRows,
  sentenceRowsSource,
  seq2seqBatch,
  seq2seqPairs,
  tokenWindows,
  Trainer,
  TrainingError,
  trainingStateFromBytes,
  trainingStateToBytes,
  train,
  type TrainableModel,
} from '../src/index.js';
import { registerCountingBackend } from './helpers/counting-backend.js';

const tiny: GPTConfig = { vocabSize: 8, blockSize: 8, nLayer: 1, nHead: 2, nEmbd: 16, dropout: 0, bias: true };

function patternTokens(n: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 3 + (i % 5 === 0 ? 1 : 0)) % 8;
  return out;
}
const data = { train: patternTokens(400), val: patternTokens(120) };
const windows = (seed = 7) => tokenWindows({ train: data.train, val: data.val, batchSize: 4, blockSize: 8, seed, evalBatches: 2 });
const schedule = { lr: 1e-2, warmup: 3, minLr: 1e-3 };

const weightsOf = (model: TrainableModel) =>
  model.namedParameters().map(([name, p]) => [name, Array.from(p.dataSync())] as const);

afterEach(() => setBackend('cpu'));

describe('Trainer', () => {
  it('stepped by hand gives what train() gives, bit for bit', async () => {
    const viaTrain = new GPT(tiny, { seed: 3 });
    const r = await train({ model: viaTrain, data, steps: 12, batchSize: 4, seed: 7, evalEvery: 6, evalBatches: 2, accumulate: 2, ...schedule });
    const model = new GPT(tiny, { seed: 3 });
    const trainer = new Trainer({ model, source: windows(), steps: 12, accumulate: 2, ...schedule });
    const losses: number[] = [];
    const evals: number[] = [];
    while (!trainer.done) {
      const info = await trainer.step();
      losses.push(info.loss);
      expect(info.step).toBe(trainer.stepsDone);
      if (info.step % 6 === 0) evals.push((await trainer.evaluate()).valLoss);
    }
    expect(losses).toEqual(r.losses);
    expect(evals).toEqual(r.evals.map((e) => e.valLoss));
    expect(weightsOf(model)).toEqual(weightsOf(viaTrain));
    const state = trainer.state();
    expect(state).toMatchObject({ step: 12, steps: 12, done: true, bestValLoss: Math.min(...evals) });
    expect(state.losses).toEqual(losses);
    await expect(trainer.step()).rejects.toThrow(/all 12 steps are done/);
    trainer.setSteps(13);
    expect((await trainer.step()).step).toBe(13);
    expect(() => trainer.setSteps(5)).toThrow(/fewer than the 13 already done/);
  });

  it('reads from the backend once per step (losses and norm together) and once per evaluation', async () => {
    const counting = registerCountingBackend();
    setBackend(counting.backend.name);
    const model = new GPT({ ...tiny, dropout: 0.1 }, { seed: 3 });
    const trainer = new Trainer({ model, source: windows(), steps: 5, accumulate: 2, gradClip: 0.5, ...schedule });
    await trainer.step(); // the first step also creates AdamW's moments: no reads either
    for (let i = 0; i < 3; i++) {
      const before = counting.reads;
      const info = await trainer.step();
      expect(counting.reads - before).toBe(1);
      expect(info.gradNorm).toBeGreaterThan(0);
    }
    const before = counting.reads;
    await trainer.evaluate();
    expect(counting.reads - before).toBe(1);
    setBackend('cpu');
    // The same steps on the CPU give the same losses within float32 rounding (the device path clips in float32).
    const reference = new Trainer({ model: new GPT({ ...tiny, dropout: 0.1 }, { seed: 3 }), source: windows(), steps: 5, accumulate: 2, gradClip: 0.5, ...schedule });
    const a = [];
    for (let i = 0; i < 4; i++) a.push((await reference.step()).loss);
    expect(a.length).toBe(4);
    expect(Math.abs(a[3] - trainer.state().losses[3])).toBeLessThan(1e-4);
  });

  it('stops on a non-finite loss before the update, leaving the parameters as they were', async () => {
    const model = new GPT(tiny, { seed: 4 });
    const trainer = new Trainer({ model, source: windows(), steps: 50, lr: 1e30, minLr: 1e30, gradClip: 0 });
    let error: unknown;
    let before = weightsOf(model);
    for (let i = 0; i < 50 && !error; i++) {
      before = weightsOf(model);
      await trainer.step().catch((e) => {
        error = e;
      });
    }
    expect(error).toBeInstanceOf(TrainingError);
    expect((error as Error).message).toMatch(/training diverged: the (loss|gradient norm) is (NaN|Infinity|-Infinity) at step \d+; stopped before the update/);
    expect(weightsOf(model)).toEqual(before);
  });

  it('refuses bad settings naming them', () => {
    const model = new GPT(tiny);
    expect(() => new Trainer({ model, source: windows(), steps: 0 })).toThrow('Trainer: steps must be a positive integer, got 0');
    expect(() => new Trainer({ model, source: windows(), steps: 5, lr: -1 })).toThrow('Trainer: lr must be a positive number');
    expect(() => new Trainer({ model, source: windows(), steps: 5, warmup: 10, decaySteps: 5 })).toThrow(/decaySteps must be an integer >= warmup/);
    expect(() => new Trainer({ model, source: undefined as never, steps: 5 })).toThrow(/source must be a BatchSource/);
    expect(() => tokenWindows({ ...data, train: new Int32Array(4), batchSize: 2, blockSize: 8 })).toThrow('tokenWindows: train has 4 tokens, need at least blockSize + 1 = 9');
  });
});

describe('clipping on the backend', () => {
  it('the device path (tensor ops in float32) agrees with the float64 host path', () => {
    const make = () => [tensor([3, -1, 2], { requiresGrad: true }), tensor([[0.5, 4], [1, -2]], { requiresGrad: true })];
    const grads = [
      [3, -1, 2],
      [0.5, 4, 1, -2],
    ];
    for (const maxNorm of [1, 100]) {
      const norms: number[] = [];
      const values: number[][] = [];
      for (const path of ['host', 'device'] as const) {
        const params = make();
        params.forEach((p, i) => {
          p.grad = tensor(grads[i]).reshape(p.shape);
        });
        norms.push(clipGradNorm(params, maxNorm, { path }).itemSync());
        values.push(params.flatMap((p) => Array.from(p.grad!.dataSync())));
      }
      const expectedNorm = Math.sqrt(9 + 1 + 4 + 0.25 + 16 + 1 + 4); // 5.852...
      for (const n of norms) expect(n).toBeCloseTo(expectedNorm, 5);
      const scale = Math.min(1, maxNorm / (expectedNorm + 1e-6));
      for (const v of values) for (const [i, g] of v.entries()) expect(g).toBeCloseTo(grads.flat()[i] * scale, 5);
    }
  });

  it('packScalars keeps every value in its own slot, NaN and Infinity included', () => {
    const packed = packScalars([tensor(1.5), tensor(Number.NaN), tensor(Number.POSITIVE_INFINITY), tensor(-2).reshape([1, 1])]);
    expect(Array.from(packed.dataSync())).toEqual([1.5, Number.NaN, Number.POSITIVE_INFINITY, -2]);
    expect(() => packScalars([tensor([1, 2])])).toThrow(/one-element tensors/);
  });
});

describe('batch sources', () => {
  it('sentence rows: one padded sentence per row, targets -100 past the end (by hand)', () => {
    const { x, y, batch } = sentenceRows([[5, 6, 7], [8, 9]], 4, 0);
    expect(batch).toBe(2);
    expect(Array.from(x)).toEqual([5, 6, 0, 0, 8, 0, 0, 0]);
    expect(Array.from(y)).toEqual([6, 7, -100, -100, 9, -100, -100, -100]);
    // A sentence longer than blockSize + 1 is cut.
    expect(Array.from(sentenceRows([[1, 2, 3, 4, 5, 6]], 3).y)).toEqual([2, 3, 4]);
  });

  it('seq2seq pairs: padded sources, <bos> + target in, target + <eos> out (by hand)', () => {
    const task = reversalTask({ alphabet: 'ab', minLength: 1, maxLength: 3 });
    const v = task.vocabulary;
    const { src, tgt, targets, batch } = seq2seqBatch(task, [
      { source: 'ab', target: 'ba' },
      { source: 'a', target: 'a' },
    ]);
    const [pad, bos, eos, a, b] = ['<pad>', '<bos>', '<eos>', 'a', 'b'].map((t) => v.id(t));
    expect(batch).toBe(2);
    expect(Array.from(src)).toEqual([a, b, a, pad]);
    expect(Array.from(tgt)).toEqual([bos, b, a, bos, a, pad]);
    expect(Array.from(targets)).toEqual([b, a, eos, a, eos, -100]);
  });
});

type AnyTrainer = Trainer<TrainableModel, unknown>;

/** Trains `steps` steps straight, and again as `cut` steps + a save through the training-state bytes + the rest, on a fresh model. */
async function resumeMatches(make: () => AnyTrainer, makeFresh: () => AnyTrainer, steps: number, cut: number) {
  const straight = make();
  const straightLosses: number[] = [];
  while (!straight.done) straightLosses.push((await straight.step()).loss);

  const first = make();
  for (let i = 0; i < cut; i++) await first.step();
  const params = first.model.namedParameters();
  const bytes = trainingStateToBytes(first.snapshot(), 'id', new Map(params.map(([n, p]) => [n, p.shape] as const)));
  const weights = params.map(([, p]) => Float32Array.from(p.dataSync()));
  const second = makeFresh(); // a model initialised differently: everything must come from the save
  for (const [i, [, p]] of second.model.namedParameters().entries()) p.assign(weights[i]);
  second.restore(trainingStateFromBytes(bytes).snapshot);
  while (!second.done) await second.step();
  expect(second.state().losses).toEqual(straightLosses);
  expect(weightsOf(second.model)).toEqual(weightsOf(straight.model));
  expect(steps).toBe(straightLosses.length);
}

describe('exact resume through the training-state file, with dropout', () => {
  it('token windows with a GPT', async () => {
    const make = (seed: number) => () => new Trainer({ model: new GPT({ ...tiny, dropout: 0.2 }, { seed }), source: windows(), steps: 9, accumulate: 2, ...schedule }) as unknown as AnyTrainer;
    await resumeMatches(make(5), make(77), 9, 4);
  });

  it('padded sentence rows (the coreference language) with a GPT', async () => {
    const lang = createCorefLanguage({ seed: 0 });
    const ids = (examples: { tokens: string[] }[]) => examples.map((e) => lang.vocabulary.encode(e.tokens));
    const source = () =>
      sentenceRowsSource({
        batch: (i) => ids(lang.generate('train', 4, 1000 + i)),
        evalBatches: [ids(lang.generate('heldout', 4, 7))],
        blockSize: 20,
        settings: { language: 'coref', seed: 1, sentences: 4 },
      });
    const config = { vocabSize: lang.vocabulary.size, blockSize: 20, nLayer: 1, nHead: 2, nEmbd: 16, dropout: 0.2 };
    const make = (seed: number) => () => new Trainer({ model: new GPT(config, { seed }), source: source(), steps: 6, ...schedule }) as unknown as AnyTrainer;
    await resumeMatches(make(5), make(77), 6, 2);
  });

  it('source/target pairs with the encoder-decoder Transformer', async () => {
    const task = reversalTask({ alphabet: 'abc', minLength: 2, maxLength: 4 });
    const v = task.vocabulary;
    const config = {
      srcVocabSize: v.size,
      tgtVocabSize: v.size,
      maxLen: 6,
      nEncoderLayer: 1,
      nDecoderLayer: 1,
      nHead: 2,
      dModel: 16,
      dFF: 32,
      dropout: 0.2,
      norm: 'pre' as const,
      bosId: v.id('<bos>'),
      eosId: v.id('<eos>'),
      srcPadId: v.id('<pad>'),
    };
    const make = (seed: number) => () => new Trainer({ model: new Transformer(config, { seed }), source: seq2seqPairs({ task, batchSize: 8, seed: 3 }), steps: 6, ...schedule }) as unknown as AnyTrainer;
    await resumeMatches(make(5), make(77), 6, 3);
  });

  it('refuses a snapshot from other settings or other data, naming what differs, and changes nothing', async () => {
    const trainer = new Trainer({ model: new GPT(tiny, { seed: 1 }), source: windows(), steps: 4, ...schedule });
    await trainer.step();
    const snapshot = trainer.snapshot();
    const other = new Trainer({ model: new GPT(tiny, { seed: 1 }), source: windows(8), steps: 4, ...schedule });
    expect(() => other.restore(snapshot)).toThrow('resume: the data differs from the checkpoint\'s: seed is 8, the checkpoint has 7');
    const lr = new Trainer({ model: new GPT(tiny, { seed: 1 }), source: windows(), steps: 4, ...schedule, lr: 5e-3 });
    expect(() => lr.restore(snapshot)).toThrow('resume: the checkpoint was trained with lr 0.01, this trainer has 0.005');
    const short = new Trainer({ model: new GPT(tiny, { seed: 1 }), source: windows(), steps: 4, ...schedule });
    expect(() => short.restore({ ...snapshot, step: 9 })).toThrow(/past this run's 4 steps/);
    const wide = new Trainer({ model: new GPT({ ...tiny, nEmbd: 32 }, { seed: 1 }), source: windows(), steps: 4, ...schedule });
    expect(() => wide.restore(snapshot)).toThrow(/resume: AdamW.loadStateDict: state "exp_avg.transformer.wte.weight" has 128 values, parameter has 256/);
    expect(wide.stepsDone).toBe(0);
  });
});

describe('a run on a backend that reads only asynchronously (as WebGPU)', () => {
  it('moves to the CPU with moveTensors(trainer.tensors()) and continues exactly as a run whose tensors moved by synchronous reads', async () => {
    const { SyncReadError, moveTensors, removeBackend } = await import('@attn/tensor');
    registerCountingBackend('async-device', { asyncOnly: true });
    registerCountingBackend('sync-device');
    try {
      setBackend('async-device');
      const trainer = new Trainer({ model: new GPT(tiny, { seed: 3 }), source: windows(), steps: 6, ...schedule });
      const losses: number[] = [];
      for (let i = 0; i < 3; i++) losses.push((await trainer.step()).loss);
      // every long-lived tensor is on the device: weights and both AdamW moments of each parameter
      const params = trainer.model.namedParameters().length;
      expect(trainer.tensors().length).toBe(params * 3);
      expect(() => trainer.snapshot()).toThrow(SyncReadError);
      await moveTensors(trainer.tensors(), 'cpu');
      setBackend('cpu');
      for (const t of trainer.tensors()) expect(t.storage.backend.name).toBe('cpu');
      expect(trainer.snapshot().step).toBe(3); // synchronous readers work again
      for (let i = 0; i < 3; i++) losses.push((await trainer.step()).loss);

      // The same run on a device that can read synchronously: the engine moves each tensor lazily.
      setBackend('sync-device');
      const reference = new Trainer({ model: new GPT(tiny, { seed: 3 }), source: windows(), steps: 6, ...schedule });
      const expected: number[] = [];
      for (let i = 0; i < 3; i++) expected.push((await reference.step()).loss);
      setBackend('cpu');
      for (let i = 0; i < 3; i++) expected.push((await reference.step()).loss);
      expect(losses).toEqual(expected); // the devices' kernels are the CPU's: bit for bit
      expect(weightsOf(trainer.model)).toEqual(weightsOf(reference.model));
    } finally {
      setBackend('cpu');
      removeBackend('async-device');
      removeBackend('sync-device');
    }
  });
});
