// What `attn train --task date` and `attn demo` report about a date model: exact match on
// held-out dates (@attn/train's dateHeldOut: never in the run's batches), greedy and with beam
// search, counted by @attn/inspect's translationAccuracy.
import { translationAccuracy } from '@attn/inspect';
import type { Transformer } from '@attn/model';
import { dateHeldOut, dateTaskData, dateTokenizer, heldOutMaxTokens, type TaskRunSettings } from '@attn/train';

/** Held-out dates the exact match is measured on, and the beam width beside greedy. */
export const DATE_HELD_OUT = 200;
export const DATE_BEAM = 4;

export interface DateFindings {
  greedy: number;
  beam: number;
  beamWidth: number;
  total: number;
  /** A few dates greedy decoding got wrong. */
  mistakes: { source: string; target: string; output: string }[];
}

/** Exact match of greedy decoding and of beam search on `count` held-out dates, after `stepsDone` steps of `run`. */
export function measureDates(model: Transformer, run: Pick<TaskRunSettings, 'batchSize' | 'seed'>, stepsDone: number, count = DATE_HELD_OUT): DateFindings {
  const task = dateTaskData();
  const tokenizer = dateTokenizer(task);
  const heldOut = dateHeldOut(task, count, run, stepsDone);
  const maxTokens = heldOutMaxTokens(heldOut);
  const greedy = translationAccuracy(model, heldOut, { beamWidth: 1, maxTokens });
  const beam = translationAccuracy(model, heldOut, { beamWidth: DATE_BEAM, maxTokens });
  const mistakes = greedy.results
    .map((r, i) => ({ r, e: heldOut[i] }))
    .filter(({ r }) => !r.correct)
    .slice(0, 3)
    .map(({ r, e }) => ({ source: e.sourceText, target: e.targetText, output: tokenizer.decode(r.tokens) }));
  return { greedy: greedy.accuracy, beam: beam.accuracy, beamWidth: DATE_BEAM, total: greedy.total, mistakes };
}
