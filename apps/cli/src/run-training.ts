// Shared by `attn train` and `attn demo`: drives @attn/train's Trainer step by step
// with a live progress bar on stderr, evaluates on its cadence, and saves the
// checkpoint directory (weights, tokenizer and training state) at the end or when
// Ctrl-C stops the run. No optimiser, schedule or clipping here: the trainer owns them.
// A GPT's directory is the default; other models (the encoder-decoder) pass their files.
import type { GPT } from '@attn/model';
import { type EvalInfo, gptFiles, type LMBatch, type ModelFiles, saveTrainingCheckpoint, type TrainableModel, Trainer } from '@attn/train';
import cliProgress from 'cli-progress';
import type { TrainingData } from './data.js';

export interface RunOptions<M extends TrainableModel = GPT, B = LMBatch> {
  trainer: Trainer<M, B>;
  /** The data: its name labels the progress bar; a GPT's tokenizer goes into its checkpoint. */
  data: Pick<TrainingData, 'name'> & Partial<Pick<TrainingData, 'tokenizer'>>;
  /** The checkpoint's inference files; default: a GPT's directory with data.tokenizer. */
  files?: ModelFiles;
  /** Checkpoint directory (already checked to be writable). */
  out: string;
  /** Show a progress bar (false in --json mode keeps stderr quiet). */
  progress: boolean;
  /** Called after each evaluation (e.g. to print a sample). */
  onEval?(info: EvalInfo, model: M): void;
}

export interface RunOutcome {
  /** Steps completed over the whole run (resumed steps included). */
  steps: number;
  /** True when Ctrl-C ended the run early (its checkpoint is saved). */
  interrupted: boolean;
  /** Last training loss and last evaluation loss. */
  loss?: number;
  valLoss?: number;
  /** The loss and evaluation histories of the whole run, for pictures. */
  losses: { step: number; loss: number }[];
  evals: { step: number; loss: number }[];
}

/** The optimiser settings every CLI run uses (nanoGPT's Shakespeare recipe). */
export const RECIPE = { weightDecay: 0.1, betas: [0.9, 0.99] as [number, number], eps: 1e-8, gradClip: 1, accumulate: 1 };

/** A trainer for `model` on `data` with the CLI's recipe: warm-up, then a cosine from lr down to lr / 10 at decaySteps. */
export function cliTrainer(model: GPT, data: TrainingData, s: { steps: number; lr: number; warmup: number; decaySteps: number; evalEvery: number }): Trainer<GPT, LMBatch> {
  return new Trainer({ model, source: data.source, ...s, minLr: s.lr / 10, ...RECIPE });
}

/** "1m05s" style remaining time. */
function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds)) return '-';
  const s = Math.max(0, Math.round(seconds));
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** Yields to the event loop: timers (the progress bar's redraw) and signal handlers (Ctrl-C) run here. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Trains to the trainer's last step and saves. The first Ctrl-C (SIGINT) finishes the current step,
 * saves a resumable checkpoint and returns with interrupted = true; a second one kills the process.
 */
export async function runTraining<M extends TrainableModel = GPT, B = LMBatch>(o: RunOptions<M, B>): Promise<RunOutcome> {
  const { trainer, data } = o;
  const files = o.files ?? defaultFiles(trainer.model, data);
  const total = trainer.config.steps;
  const bar = o.progress
    ? new cliProgress.SingleBar(
        {
          // {runEta} is ours (from this run's start), so it survives the bar's restart after each printed sample
          format: `${data.name} {bar} step {value}/{total} | loss {loss} | {tps} tok/s | ETA {runEta}`,
          stream: process.stderr,
          hideCursor: true,
          noTTYOutput: true,
          notTTYSchedule: 5000,
        },
        cliProgress.Presets.shades_classic,
      )
    : null;
  bar?.start(total, trainer.stepsDone, { loss: '-', tps: '-', runEta: '-' });
  let smooth = Number.NaN;
  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
  };
  process.once('SIGINT', onSigint);
  try {
    while (!trainer.done) {
      const info = await trainer.step();
      smooth = Number.isNaN(smooth) ? info.loss : 0.9 * smooth + 0.1 * info.loss;
      const view = { loss: smooth.toFixed(3), tps: Math.round(info.tokensPerSec), runEta: formatEta(info.etaSec) };
      bar?.update(info.step, view);
      const { evalEvery } = trainer.config;
      if (evalEvery > 0 && (info.step % evalEvery === 0 || info.step === total)) {
        const e = await trainer.evaluate();
        if (o.onEval) {
          bar?.stop();
          o.onEval(e, trainer.model);
          if (info.step < total) bar?.start(total, info.step, view);
        }
      }
      // A step is mostly synchronous compute; without this the bar could not redraw or see SIGINT until the end.
      await yieldToEventLoop();
      if (interrupted) break;
    }
  } finally {
    process.removeListener('SIGINT', onSigint);
    bar?.stop();
  }
  if (interrupted && o.progress) process.stderr.write(`interrupted: saving the ${trainer.stepsDone} steps done\n`);
  await saveTrainingCheckpoint(o.out, trainer, files);
  const state = trainer.state();
  return {
    steps: state.step,
    interrupted,
    loss: state.losses.at(-1),
    valLoss: state.evals.at(-1)?.valLoss,
    losses: state.losses.map((loss, i) => ({ step: i + 1, loss })),
    evals: state.evals.map((e) => ({ step: e.step, loss: e.valLoss })),
  };
}

/** A GPT's checkpoint directory: what runTraining saves when the caller names no files. */
function defaultFiles(model: TrainableModel, data: RunOptions['data']): ModelFiles {
  if (!data.tokenizer) throw new Error('runTraining: pass files, or data with its tokenizer for a GPT checkpoint');
  return gptFiles(model as GPT, data.tokenizer);
}
