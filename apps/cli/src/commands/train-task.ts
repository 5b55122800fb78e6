// `attn train --task NAME`: train one of the built-in tasks with its own model recipe, save a
// checkpoint directory (resumable with --resume, like any attn train run) and measure what the
// task is for on held-out data:
//   induction  a 2-layer attention-only GPT on repeated random tokens; the induction head the
//              head detector finds, and the loss on the first (random) half against the repeated half
//   date       the encoder-decoder on "November 11, 2024" -> "2024-11-11"; held-out exact match
// Kept apart from train-command.ts (text and corpora) so the two grow independently.
import { resolve } from 'node:path';
import { loadPretrained, loadSeq2SeqCheckpoint, prepareCheckpointDir, Transformer } from '@attn/model';
import { loadTrainingState, seq2seqFiles, type TrainingState } from '@attn/train';
import { useBackend } from '../backend.js';
import { fail } from '../errors.js';
import { type RunOutcome, runTraining } from '../run-training.js';
import { checkOut, type Explicit, keep, type TrainFlags } from '../train-command.js';
import { DATE_DEFAULTS, DATE_TASK_NAME, dateAccuracy, dateHeldOut, dateModelConfig, dateTaskData, dateTokenizer, dateTrainer } from '../tasks/date.js';
import { describeInduction, type InductionFindings, inductionFindings, INDUCTION_DEFAULTS, INDUCTION_TASK_NAME, inductionData, inductionModel, inductionTrainer } from '../tasks/induction.js';
import { flagsOf, type TaskRun } from '../tasks/task-run.js';

export const TASKS = [INDUCTION_TASK_NAME, DATE_TASK_NAME] as const;
export type TaskName = (typeof TASKS)[number];

export interface TaskTrainReport extends RunOutcome {
  task: TaskName;
  out: string;
  parameters: number;
  backend: string;
  run: TaskRun;
  /** date: held-out exact match, greedy and beam search. */
  accuracy?: { greedy: number; beam: number; beamWidth: number; total: number; mistakes: { source: string; target: string; output: string }[] };
  /** induction: the head the detector finds and the losses on the two halves. */
  induction?: InductionFindings;
}

/** Flags that make no sense with --task (each task has its own data and model). */
function refuseTextFlags(task: string, o: TrainFlags, explicit: Explicit): void {
  if (o.data !== undefined) fail(`--data: --task ${task} brings its own data; give one, not both`);
  if (o.corpus !== undefined) fail(`--corpus: --task ${task} brings its own data; give one, not both`);
  if (explicit('config')) fail(`--config: --task ${task} has its own model (see attn train --help)`);
  if (explicit('dropout')) fail(`--dropout: --task ${task} trains without dropout`);
}

/** The run's settings saved in a checkpoint, with the typed flags checked against them. */
function resumedRun(saved: TrainingState, typed: TaskRun, explicit: Explicit, steps: number, out: string): TaskRun {
  const t = saved.snapshot.config;
  const settings = saved.snapshot.data.settings;
  if (saved.snapshot.step >= steps) fail(`--steps ${steps}: ${out} is already at step ${saved.snapshot.step}; with --resume, --steps is the run's total, so ask for more`);
  return {
    steps,
    lr: keep('--lr', explicit('lr'), typed.lr, t.lr),
    warmup: keep('--warmup', explicit('warmup'), typed.warmup, t.warmup),
    decaySteps: keep('--decay-steps', explicit('decaySteps'), typed.decaySteps, t.decaySteps),
    batch: keep('--batch', explicit('batch'), typed.batch, Number(settings.batchSize)),
    seed: keep('--seed', explicit('seed'), typed.seed, Number(settings.seed)),
    evalEvery: explicit('evalEvery') ? typed.evalEvery : t.evalEvery || typed.evalEvery,
  };
}

export async function trainTaskCommand(task: string, o: TrainFlags, explicit: Explicit, progress: boolean): Promise<TaskTrainReport> {
  if (!(TASKS as readonly string[]).includes(task)) fail(`--task: expected one of ${TASKS.join(', ')}, got '${task}'`);
  refuseTextFlags(task, o, explicit);
  const resume = Boolean(o.resume);
  const defaults = task === DATE_TASK_NAME ? DATE_DEFAULTS : INDUCTION_DEFAULTS;
  const typed = flagsOf(o, explicit, defaults);
  checkOut(o.out, resume);
  const saved = resume ? await loadTrainingState(o.out) : undefined;
  const run = saved ? resumedRun(saved, typed, explicit, typed.steps, o.out) : typed;
  if (saved && saved.snapshot.data.settings.task !== task) {
    fail(`--task ${task}: ${o.out} was trained on ${JSON.stringify(saved.snapshot.data.settings.task ?? saved.snapshot.data.settings.name ?? saved.snapshot.data.kind)}; a resumed run keeps its task`);
  }
  try {
    await prepareCheckpointDir(o.out);
  } catch (err) {
    fail(`--out ${(err as Error).message}`);
  }
  const backend = await useBackend(o.backend);
  const from = saved ? `, continuing from step ${saved.snapshot.step}` : '';

  if (task === DATE_TASK_NAME) {
    const data = dateTaskData();
    const tokenizer = dateTokenizer(data);
    let model: Transformer;
    if (resume) {
      const loaded = await loadSeq2SeqCheckpoint(o.out);
      if (loaded.task !== DATE_TASK_NAME) fail(`--task date: ${o.out} holds a model for ${JSON.stringify(loaded.task ?? 'no task')}`);
      model = loaded.model;
    } else model = new Transformer(dateModelConfig(data), { seed: run.seed });
    const trainer = dateTrainer(model, data, run);
    if (saved) trainer.restore(saved.snapshot);
    if (progress) process.stderr.write(`training the date encoder-decoder (${model.numParameters()} parameters, backend ${backend}${from})\n`);
    const outcome = await runTraining({ trainer, data: { name: 'date' }, files: seq2seqFiles(model, tokenizer, DATE_TASK_NAME), out: o.out, progress });
    if (progress) process.stderr.write('measuring held-out exact match (200 dates never trained on)...\n');
    const heldOut = dateHeldOut(data, 200, run);
    const greedy = dateAccuracy(model, data, heldOut, 1);
    const beam = dateAccuracy(model, data, heldOut, 4);
    return {
      ...outcome,
      task: DATE_TASK_NAME,
      out: o.out,
      parameters: model.numParameters(),
      backend,
      run,
      accuracy: { greedy: greedy.accuracy, beam: beam.accuracy, beamWidth: 4, total: greedy.total, mistakes: greedy.mistakes },
    };
  }

  const data = inductionData(run);
  const model = resume ? (await loadPretrained(o.out)).model : inductionModel(data.task, run.seed);
  const trainer = inductionTrainer(model, data, run);
  if (saved) trainer.restore(saved.snapshot);
  if (progress) process.stderr.write(`training a ${model.config.nLayer}-layer attention-only GPT on repeated random tokens (${model.numParameters()} parameters, backend ${backend}${from})\n`);
  const outcome = await runTraining({ trainer, data: { name: INDUCTION_TASK_NAME, tokenizer: data.tokenizer }, out: o.out, progress });
  const induction = await inductionFindings(model, data.task);
  return { ...outcome, task: INDUCTION_TASK_NAME, out: o.out, parameters: model.numParameters(), backend, run, induction };
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
    return out(JSON.stringify({ ...rest, out: where }, null, 2));
  }
  out(`saved ${where} after ${r.steps} steps (train loss ${r.loss?.toFixed(3)}, held-out ${r.valLoss?.toFixed(3) ?? '-'})`);
  if (r.accuracy) {
    const a = r.accuracy;
    out(`held-out exact match on ${a.total} dates never trained on: greedy ${(a.greedy * 100).toFixed(1)}%, beam ${a.beamWidth} ${(a.beam * 100).toFixed(1)}%`);
    for (const m of a.mistakes.slice(0, 3)) out(`  wrong: ${JSON.stringify(m.source)} -> ${JSON.stringify(m.output)} (expected ${m.target})`);
    out(`try: attn translate --checkpoint ${o.out} "November 11, 2024"`);
  }
  if (r.induction) for (const line of describeInduction(r.induction)) out(line);
}
