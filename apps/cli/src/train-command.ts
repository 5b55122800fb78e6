// `attn train`: a fresh run, or with --resume the continuation of the run saved in
// --out. With --resume, --steps is the run's total (nanoGPT's max_iters) and every
// setting that shapes the run (model, batch, learning-rate schedule, dropout, seed,
// data) comes from the checkpoint; passing one that differs is an error. Everything
// the user can get wrong is checked before the first step: the flags, the data and
// the output directory (created and proved writable).
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CORPORA } from '@attn/datasets';
import { GPT, loadPretrained, prepareCheckpointDir } from '@attn/model';
import type { Tokenizer } from '@attn/tokenizer';
import { loadTrainingState, type TrainerConfig, type TrainingState } from '@attn/train';
import { useBackend } from './backend.js';
import { describeChoice, parseTokenizerFlag } from './commands/train-tokenizer.js';
import { type ConfigName, loadTrainingData, MODEL_CONFIGS } from './data.js';
import { fail, intFlag, numberFlag } from './errors.js';
import { cliTrainer, type RunOutcome, runTraining } from './run-training.js';

/** The flags of `attn train`, as commander parsed them. */
export interface TrainFlags {
  data?: string;
  corpus?: string;
  config: string;
  steps: string;
  batch: string;
  lr: string;
  warmup: string;
  decaySteps: string;
  dropout: string;
  evalEvery: string;
  seed: string;
  backend: string;
  out: string;
  resume?: boolean;
  json?: boolean;
  /** "char" or "bpe:N" (see commands/train-tokenizer.ts); a resumed run keeps its checkpoint's. */
  tokenizer?: string;
}

export interface TrainReport extends RunOutcome {
  out: string;
  parameters: number;
  backend: string;
  data: string;
  config: ConfigName;
}

/** Which flags the user typed (the rest are defaults). */
export type Explicit = (flag: keyof TrainFlags) => boolean;

/** --out must be a new (or empty) directory, or with --resume the run to continue. */
export function checkOut(out: string, resume: boolean): void {
  if (resume) {
    if (!existsSync(out)) fail(`--resume: --out ${out} does not exist; there is nothing to continue`);
    if (!statSync(out).isDirectory()) fail(`--out ${out}: is a file; a checkpoint is a directory`);
    return;
  }
  if (existsSync(out) && statSync(out).isDirectory() && existsSync(join(out, 'model.safetensors'))) {
    fail(`--out ${out}: already holds a checkpoint; pass --resume to continue it or choose another --out`);
  }
}

/** A resumed run's setting: the checkpoint's, unless the user typed a different one. */
export function keep<T>(flag: string, typed: boolean, given: T, saved: T): T {
  if (typed && given !== saved) fail(`${flag} ${given}: the checkpoint was trained with ${saved}; a resumed run keeps its settings (leave ${flag} out)`);
  return saved;
}

export async function trainCommand(o: TrainFlags, explicit: Explicit, progress: boolean): Promise<TrainReport> {
  if (o.data !== undefined && o.corpus !== undefined) fail('--data and --corpus: give one, not both');
  const resume = Boolean(o.resume);
  const steps = intFlag('--steps', o.steps);
  let batch = intFlag('--batch', o.batch);
  let lr = numberFlag('--lr', o.lr, 1e-6, 1);
  let warmup = intFlag('--warmup', o.warmup, 0);
  let decaySteps = intFlag('--decay-steps', o.decaySteps);
  let dropout = numberFlag('--dropout', o.dropout, 0, 0.9);
  let evalEvery = intFlag('--eval-every', o.evalEvery);
  let seed = intFlag('--seed', o.seed, 0);
  let configName = o.config as ConfigName;
  let shape: { nLayer: number; nHead: number; nEmbd: number; blockSize: number } = MODEL_CONFIGS[configName];
  if (decaySteps < warmup) fail(`--decay-steps ${decaySteps}: must be at least --warmup (${warmup})`);
  const tokenizerChoice = parseTokenizerFlag(o.tokenizer);
  if (o.data !== undefined && !existsSync(o.data)) fail(`--data ${o.data}: no such file`);
  checkOut(o.out, resume);

  // --resume: the checkpoint's model, tokenizer and training state, and its settings.
  let saved: TrainingState | undefined;
  let model: GPT | undefined;
  let tokenizer: Tokenizer | undefined;
  let dataName: { corpus?: string; file?: string } = { corpus: o.corpus, file: o.data };
  if (resume) {
    const pretrained = await loadPretrained(o.out);
    saved = await loadTrainingState(o.out);
    model = pretrained.model;
    tokenizer = pretrained.tokenizer;
    const { snapshot } = saved;
    const g = model.config;
    const named = Object.entries(MODEL_CONFIGS).find(([, c]) => c.nLayer === g.nLayer && c.nHead === g.nHead && c.nEmbd === g.nEmbd);
    if (explicit('config') && (!named || named[0] !== configName)) fail(`--config ${configName}: ${o.out} holds a ${g.nLayer}-layer, ${g.nHead}-head, ${g.nEmbd}-wide model, not --config ${configName}`);
    configName = (named?.[0] ?? configName) as ConfigName;
    shape = { nLayer: g.nLayer, nHead: g.nHead, nEmbd: g.nEmbd, blockSize: g.blockSize };
    const t: TrainerConfig = snapshot.config;
    const settings = snapshot.data.settings;
    if (snapshot.step >= steps) fail(`--steps ${steps}: ${o.out} is already at step ${snapshot.step}; with --resume, --steps is the run's total, so ask for more`);
    lr = keep('--lr', explicit('lr'), lr, t.lr);
    warmup = keep('--warmup', explicit('warmup'), warmup, t.warmup);
    decaySteps = keep('--decay-steps', explicit('decaySteps'), decaySteps, t.decaySteps);
    dropout = keep('--dropout', explicit('dropout'), dropout, g.dropout);
    batch = keep('--batch', explicit('batch'), batch, Number(settings.batchSize ?? settings.sentences));
    seed = keep('--seed', explicit('seed'), seed, Number(settings.seed));
    if (!explicit('evalEvery')) evalEvery = t.evalEvery || evalEvery; // how often to evaluate may change
    const savedName = String(settings.name ?? '');
    const given = o.data ?? o.corpus;
    if (given !== undefined && given !== savedName) fail(`${o.data !== undefined ? '--data' : '--corpus'} ${given}: the checkpoint was trained on ${savedName}; a resumed run keeps its data (leave it out)`);
    dataName = savedName === 'coref' || savedName in CORPORA ? { corpus: savedName } : { file: savedName };
    if (explicit('tokenizer')) {
      const saved = tokenizer.kind === 'byte-bpe' ? `bpe:${tokenizer.vocabSize}` : tokenizer.kind;
      if (describeChoice(tokenizerChoice) !== saved) fail(`--tokenizer ${o.tokenizer}: the checkpoint's tokenizer is ${saved}; a resumed run keeps it (leave --tokenizer out)`);
    }
  }

  const data = loadTrainingData({ ...dataName, batch, blockSize: shape.blockSize, seed, tokenizer, tokenizerChoice });
  // The output directory is made and proved writable now, not after the run.
  try {
    await prepareCheckpointDir(o.out);
  } catch (err) {
    fail(`--out ${(err as Error).message}`);
  }
  model ??= new GPT({ ...shape, vocabSize: data.tokenizer.vocabSize, blockSize: data.blockSize, dropout }, { seed });
  const trainer = cliTrainer(model, data, { steps, lr, warmup, decaySteps, evalEvery });
  if (saved) trainer.restore(saved.snapshot);
  const backend = await useBackend(o.backend);
  if (progress) {
    const from = saved ? `, continuing from step ${saved.snapshot.step}` : '';
    const vocabulary = data.tokenizer.kind === 'byte-bpe' ? 'byte-level BPE tokens' : data.tokenizer.kind === 'word' ? 'words' : 'characters';
    process.stderr.write(`training ${configName} GPT on ${data.name} (${data.tokenizer.vocabSize} ${vocabulary}, backend ${backend}${from})\n`);
  }
  const outcome = await runTraining({ trainer, data, out: o.out, progress });
  return { ...outcome, out: o.out, parameters: model.numParameters(), backend, data: data.name, config: configName };
}
