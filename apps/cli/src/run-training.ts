// Shared by `attn train` and `attn demo`: builds or resumes a model, trains it with a live
// progress bar on stderr, and saves the checkpoint directory.
import { GPT } from '@attn/model';
import cliProgress from 'cli-progress';
import { type Checkpoint, saveCheckpoint } from './checkpoint.js';
import type { TrainingData } from './data.js';
import { trainLoop } from './train-loop.js';

export interface RunOptions {
  data: TrainingData;
  /** Layer/head/width (vocabSize and blockSize come from the data). */
  shape: { nLayer: number; nHead: number; nEmbd: number };
  steps: number;
  batch: number;
  lr: number;
  evalEvery: number;
  out: string;
  seed: number;
  /** A checkpoint to continue from (already checked to match). */
  resume?: Checkpoint;
  /** Show a progress bar (false in --json mode keeps stderr quiet). */
  progress: boolean;
  /** Called after each evaluation (e.g. to print a sample). */
  onEval?(step: number, valLoss: number, model: GPT): void;
}

/** What runTraining returns: the saved checkpoint, and whether Ctrl-C ended the run early. */
export type TrainingResult = Checkpoint & { interrupted: boolean };

/** "1m05s" style remaining time. */
function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds)) return '-';
  const s = Math.max(0, Math.round(seconds));
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/**
 * Trains and saves. The first Ctrl-C (SIGINT) finishes the current step, saves a checkpoint
 * of the steps done so far and returns with interrupted = true; a second one kills the process.
 */
export async function runTraining(opts: RunOptions): Promise<TrainingResult> {
  const { data } = opts;
  const model =
    opts.resume?.model ??
    new GPT({ ...opts.shape, vocabSize: data.codec.vocabSize, blockSize: data.blockSize, dropout: 0 }, { seed: opts.seed });
  const T = model.blockSize;
  const info = opts.resume?.info ?? { data: data.name, steps: 0, losses: [], evals: [] };
  const start = info.steps;
  const bar = opts.progress
    ? new cliProgress.SingleBar(
        {
          // {runEta} is ours (from the run's start), so it survives the bar's restart after each printed sample
          format: `${data.name} {bar} step {value}/{total} | loss {loss} | {tps} tok/s | ETA {runEta}`,
          stream: process.stderr,
          hideCursor: true,
          noTTYOutput: true,
          notTTYSchedule: 5000,
        },
        cliProgress.Presets.shades_classic,
      )
    : null;
  bar?.start(opts.steps, 0, { loss: '-', tps: '-', runEta: '-' });
  const t0 = performance.now();
  let tokens = 0;
  let smooth = Number.NaN;
  let tps = 0;
  let runEta = '-';
  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
  };
  process.once('SIGINT', onSigint);
  let losses: number[];
  try {
    losses = await trainLoop(
      model,
      { steps: opts.steps, lr: opts.lr, warmup: Math.min(20, Math.ceil(opts.steps / 10)), weightDecay: 0.1, evalEvery: opts.evalEvery },
      {
        nextBatch: () => data.nextBatch(opts.batch, T),
        evalLoss() {
          const v = data.validation(opts.batch, T);
          return model.forward(v.x, { batch: v.batch, targets: v.y }).loss!.itemSync();
        },
        onStep(step, loss, n) {
          tokens += n;
          smooth = Number.isNaN(smooth) ? loss : 0.9 * smooth + 0.1 * loss;
          info.losses.push({ step: start + step, loss });
          const seconds = (performance.now() - t0) / 1000;
          tps = Math.round(tokens / seconds);
          runEta = formatEta((seconds / step) * (opts.steps - step));
          bar?.update(step, { loss: smooth.toFixed(3), tps, runEta });
        },
        onEval(step, val) {
          info.evals.push({ step: start + step, loss: val });
          if (opts.onEval) {
            bar?.stop();
            opts.onEval(step, val, model);
            if (step < opts.steps) bar?.start(opts.steps, step, { loss: smooth.toFixed(3), tps, runEta });
          }
        },
        shouldStop: () => interrupted,
      },
    );
  } finally {
    process.removeListener('SIGINT', onSigint);
    bar?.stop();
  }
  if (interrupted && opts.progress) process.stderr.write(`interrupted: saving the ${losses.length} steps done\n`);
  info.steps = start + losses.length;
  const ckpt = { model, codec: data.codec, info };
  await saveCheckpoint(opts.out, ckpt);
  return { ...ckpt, interrupted };
}
