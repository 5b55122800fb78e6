// `attn train --task NAME`: train one of the built-in tasks with its recipe from @attn/train
// (the same recipes the web demo trains), save a checkpoint directory (resumable with --resume,
// like any attn train run) and measure what the task is for on held-out data:
//   induction  a 2-layer GPT, one head per layer, on successor walks; the induction head the
//              head detector finds on repeated random tokens (never trained on), the
//              previous-token head below it, and the loss on the random half against the repeated half
//   date       the encoder-decoder on "November 11, 2024" -> "2024-11-11"; held-out exact
//              match, greedy and with beam search (@attn/inspect's translationAccuracy)
// Kept apart from train-command.ts (text and corpora) so the two grow independently.
import { resolve } from 'node:path';
import { loadPretrained, loadSeq2SeqCheckpoint, prepareCheckpointDir } from '@attn/model';
import {
  DATE_RECIPE,
  dateModel,
  dateTaskData,
  dateTokenizer,
  dateTrainer,
  INDUCTION_RECIPE,
  inductionModel,
  inductionTrainer,
  loadTrainingState,
  seq2seqFiles,
  type TaskRunSettings,
  type TrainingState,
} from '@attn/train';
import { WordTokenizer } from '@attn/tokenizer';
import { useBackend } from '../backend.js';
import { fail } from '../errors.js';
import { type RunOutcome, runTraining } from '../run-training.js';
import { DATE_HELD_OUT, type DateFindings, measureDates } from '../tasks/date-findings.js';
import { describeInduction, type InductionFindings, inductionFindings } from '../tasks/induction-findings.js';
import { flagsOf } from '../tasks/task-run.js';
import { checkOut, type Explicit, keep, type TrainFlags } from '../train-command.js';

export const TASKS = ['induction', 'date'] as const;
export type TaskName = (typeof TASKS)[number];

export interface TaskTrainReport extends RunOutcome {
  task: TaskName;
  out: string;
  parameters: number;
  backend: string;
  run: TaskRunSettings;
  /** date: held-out exact match, greedy and beam search. */
  accuracy?: DateFindings;
  /** induction: the head the detector finds and the losses on the two halves. */
  induction?: InductionFindings;
}

/** Flags that make no sense with --task (each task has its own data and model). */
function refuseTextFlags(task: string, o: TrainFlags, explicit: Explicit): void {
  if (o.data !== undefined) fail(`--data: --task ${task} brings its own data; give one, not both`);
  if (o.corpus !== undefined) fail(`--corpus: --task ${task} brings its own data; give one, not both`);
  if (explicit('config')) fail(`--config: --task ${task} has its own model (see attn train --help)`);
  if (explicit('dropout')) fail(`--dropout: --task ${task} trains without dropout`);
  if (explicit('tokenizer')) fail(`--tokenizer: --task ${task} has its own tokens`);
}

/** The run's settings saved in a checkpoint, with the typed flags checked against them. */
function resumedRun(saved: TrainingState, typed: TaskRunSettings, explicit: Explicit, out: string): TaskRunSettings {
  const t = saved.snapshot.config;
  const settings = saved.snapshot.data.settings;
  if (saved.snapshot.step >= typed.steps) fail(`--steps ${typed.steps}: ${out} is already at step ${saved.snapshot.step}; with --resume, --steps is the run's total, so ask for more`);
  return {
    steps: typed.steps,
    lr: keep('--lr', explicit('lr'), typed.lr, t.lr),
    warmup: keep('--warmup', explicit('warmup'), typed.warmup, t.warmup),
    decaySteps: keep('--decay-steps', explicit('decaySteps'), typed.decaySteps, t.decaySteps),
    batchSize: keep('--batch', explicit('batch'), typed.batchSize, Number(settings.batchSize)),
    seed: keep('--seed', explicit('seed'), typed.seed, Number(settings.seed)),
    evalEvery: explicit('evalEvery') ? typed.evalEvery : t.evalEvery || typed.evalEvery,
  };
}

export async function trainTaskCommand(task: string, o: TrainFlags, explicit: Explicit, progress: boolean): Promise<TaskTrainReport> {
  if (!(TASKS as readonly string[]).includes(task)) fail(`--task: expected one of ${TASKS.join(', ')}, got '${task}'`);
  refuseTextFlags(task, o, explicit);
  const resume = Boolean(o.resume);
  const typed = flagsOf(o, explicit, task === 'date' ? DATE_RECIPE : INDUCTION_RECIPE);
  checkOut(o.out, resume);
  const saved = resume ? await loadTrainingState(o.out) : undefined;
  if (saved && saved.snapshot.data.settings.task !== task) {
    fail(`--task ${task}: ${o.out} was trained on ${JSON.stringify(saved.snapshot.data.settings.task ?? saved.snapshot.data.kind)}; a resumed run keeps its task`);
  }
  const run = saved ? resumedRun(saved, typed, explicit, o.out) : typed;
  try {
    await prepareCheckpointDir(o.out);
  } catch (err) {
    fail(`--out ${(err as Error).message}`);
  }
  const backend = await useBackend(o.backend);
  const from = saved ? `, continuing from step ${saved.snapshot.step}` : '';

  if (task === 'date') {
    const data = dateTaskData();
    const tokenizer = dateTokenizer(data);
    let model = dateModel(data, run.seed);
    if (resume) {
      const loaded = await loadSeq2SeqCheckpoint(o.out);
      if (loaded.task !== 'date') fail(`--task date: ${o.out} holds a model for ${JSON.stringify(loaded.task ?? 'no task')}`);
      model = loaded.model;
    }
    const trainer = dateTrainer(model, data, run);
    if (saved) trainer.restore(saved.snapshot);
    if (progress) process.stderr.write(`training the date encoder-decoder (${model.numParameters()} parameters, backend ${backend}${from})\n`);
    const outcome = await runTraining({ trainer, data: { name: 'date' }, files: seq2seqFiles(model, tokenizer, 'date'), out: o.out, progress });
    if (progress) process.stderr.write(`measuring held-out exact match (${DATE_HELD_OUT} dates never trained on)...\n`);
    const accuracy = measureDates(model, run, trainer.stepsDone);
    return { ...outcome, task: 'date', out: o.out, parameters: model.numParameters(), backend, run, accuracy };
  }

  const model = resume ? (await loadPretrained(o.out)).model : inductionModel(run.seed);
  const trainer = inductionTrainer(model, run);
  if (saved) trainer.restore(saved.snapshot);
  // A word per id: "t0".."t63", then "<bos>", so attn inspect / attend read the checkpoint ("<bos> t5 t9 t5").
  const tokenizer = new WordTokenizer([...Array.from({ length: INDUCTION_RECIPE.vocabSize }, (_, i) => `t${i}`), '<bos>']);
  if (progress) process.stderr.write(`training a ${model.config.nLayer}-layer GPT, one head per layer, on successor walks (${model.numParameters()} parameters, backend ${backend}${from})\n`);
  const outcome = await runTraining({ trainer, data: { name: 'induction', tokenizer }, out: o.out, progress });
  if (progress) process.stderr.write('scoring the heads on repeated random tokens (never trained on)...\n');
  const induction = await inductionFindings(model);
  return { ...outcome, task: 'induction', out: o.out, parameters: model.numParameters(), backend, run, induction };
}

/** What `attn train --task` prints: one JSON object with --json, else a few lines on stdout. */
export function printTaskReport(r: TaskTrainReport, o: Pick<TrainFlags, 'out' | 'json'>): void {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  if (r.interrupted) {
    process.exitCode = 130;
    process.stderr.write(`continue with: attn train --task ${r.task} --resume --out ${o.out} --steps ${r.run.steps}\n`);
  }
  const where = resolve(r.out);
  if (o.json) {
    const { losses: _l, evals: _e, ...rest } = r;
    out(JSON.stringify({ ...rest, out: where }, null, 2));
    return;
  }
  out(`saved ${where} after ${r.steps} steps (train loss ${r.loss?.toFixed(3)}, held-out ${r.valLoss?.toFixed(3) ?? '-'})`);
  if (r.accuracy) {
    const a = r.accuracy;
    out(`held-out exact match on ${a.total} dates never trained on: greedy ${(a.greedy * 100).toFixed(1)}%, beam ${a.beamWidth} ${(a.beam * 100).toFixed(1)}%`);
    for (const m of a.mistakes) out(`  wrong: ${JSON.stringify(m.source)} -> ${JSON.stringify(m.output)} (expected ${m.target})`);
    out(`try: attn translate --checkpoint ${o.out} "November 11, 2024"`);
  }
  if (r.induction) for (const line of describeInduction(r.induction)) out(line);
}
