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

export async function runTraining(opts: RunOptions): Promise<Checkpoint> {
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
          format: `${data.name} {bar} step {value}/{total} | loss {loss} | {tps} tok/s | ETA {eta_formatted}`,
          stream: process.stderr,
          hideCursor: true,
          etaBuffer: 20,
          noTTYOutput: true,
          notTTYSchedule: 5000,
        },
        cliProgress.Presets.shades_classic,
      )
    : null;
  bar?.start(opts.steps, 0, { loss: '-', tps: '-' });
  const t0 = performance.now();
  let tokens = 0;
  let smooth = Number.NaN;
  let tps = 0;
  await trainLoop(
    model,
    { steps: opts.steps, lr: opts.lr, warmup: Math.min(20, Math.ceil(opts.steps / 10)), weightDecay: 0.1, evalEvery: opts.evalEvery },
    {
      nextBatch: () => data.nextBatch(opts.batch, T),
      evalLoss() {
        const v = data.validation(opts.batch, T);
        return model.forward(v.x, { batch: v.batch, targets: v.y }).loss!.item();
      },
      onStep(step, loss, n) {
        tokens += n;
        smooth = Number.isNaN(smooth) ? loss : 0.9 * smooth + 0.1 * loss;
        info.losses.push({ step: start + step, loss });
        tps = Math.round(tokens / ((performance.now() - t0) / 1000));
        bar?.update(step, { loss: smooth.toFixed(3), tps });
      },
      onEval(step, val) {
        info.evals.push({ step: start + step, loss: val });
        if (opts.onEval) {
          bar?.stop();
          opts.onEval(step, val, model);
          if (step < opts.steps) bar?.start(opts.steps, step, { loss: smooth.toFixed(3), tps });
        }
      },
    },
  );
  bar?.stop();
  info.steps = start + opts.steps;
  const ckpt = { model, codec: data.codec, info };
  await saveCheckpoint(opts.out, ckpt);
  return ckpt;
}
