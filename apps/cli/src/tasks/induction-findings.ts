// What `attn train --task induction` and `attn demo` report about an induction model, measured
// on the classic test sequences, BOS + random tokens + the same again (INDUCTION_RECIPE.testHalves
// gives their lengths), which training never shows: the head @attn/inspect's inductionScore
// (TransformerLens's definition) ranks first, its score against the ceiling a perfect head reaches
// on the same sequences, every head's previous-token score, and the loss on the random half
// against the repeated half (@attn/train's inductionHalfLosses).
import { detectHeads, type InductionScore, inductionScore } from '@attn/inspect';
import type { GPT } from '@attn/model';
import { type HalfLosses, INDUCTION_RECIPE, inductionHalfLosses, inductionScoreOptions, inductionTestRows } from '@attn/train';

export interface InductionFindings {
  /** The head with the highest mean fraction of the ceiling over the test lengths. */
  layer: number;
  head: number;
  /** Its mean score and the mean ceiling over those lengths. */
  score: number;
  ceiling: number;
  /** score / ceiling. */
  fraction: number;
  /** Each test length's full ranking (every head's score). */
  byLength: Array<Pick<InductionScore, 'halfLength' | 'score' | 'ceiling' | 'layer' | 'head' | 'perHead' | 'sequences'>>;
  /** The mean score of every head over the test lengths ([layer][head]). */
  perHead: number[][];
  /** Every head's previous-token score on test sequences of the longest length ([layer][head]). */
  previousToken: number[][];
  losses: HalfLosses;
}

/** Scores the model's heads on `sequences` test sequences of each test length, and the half losses. */
export async function inductionFindings(model: GPT, sequences = 20): Promise<InductionFindings> {
  const byLength: InductionFindings['byLength'] = [];
  for (const half of INDUCTION_RECIPE.testHalves) {
    const { sample: _sample, ...rest } = await inductionScore(model, inductionScoreOptions(half, sequences));
    byLength.push(rest);
  }
  const { nLayer, nHead } = model.config;
  const mean = (f: (r: (typeof byLength)[number]) => number) => byLength.reduce((s, r) => s + f(r), 0) / byLength.length;
  const perHead = Array.from({ length: nLayer }, (_, l) => Array.from({ length: nHead }, (_, h) => mean((r) => r.perHead[l][h])));
  const ceiling = mean((r) => r.ceiling);
  let best = { layer: 0, head: 0 };
  for (let l = 0; l < nLayer; l++) for (let h = 0; h < nHead; h++) if (perHead[l][h] > perHead[best.layer][best.head]) best = { layer: l, head: h };
  const score = perHead[best.layer][best.head];
  const previousToken = perHead.map((heads) => heads.map(() => 0));
  const longest = Math.max(...INDUCTION_RECIPE.testHalves);
  for (const h of await detectHeads(model, inductionTestRows([longest], sequences, 5).map((row) => Array.from(row)))) previousToken[h.layer][h.head] = h.previousToken;
  return { ...best, score, ceiling, fraction: score / ceiling, byLength, perHead, previousToken, losses: await inductionHalfLosses(model) };
}

/** The findings as lines of text. */
export function describeInduction(f: InductionFindings): string[] {
  const lengths = f.byLength.map((r) => r.halfLength).join(', ');
  const l = f.losses;
  const verdict =
    f.layer >= 1 && f.fraction >= 0.8
      ? 'an induction head: it finds the earlier copy of the current token and attends to the token after it, on repeated random tokens, a kind of sequence it never trained on'
      : f.fraction >= 0.8
        ? 'a high score in layer 0, which cannot compose with a previous-token head: look closer'
        : 'no induction head yet: no head finds the earlier copy (with the recipe it forms after a few hundred steps: train longer)';
  return [
    `induction head: layer ${f.layer}, head ${f.head}; score ${f.score.toFixed(3)} of a possible ${f.ceiling.toFixed(3)} (${(f.fraction * 100).toFixed(0)}% of the ceiling), mean over random tokens repeated after ${lengths} tokens (never trained on)`,
    `  per length: ${f.byLength.map((r) => `${r.halfLength}: ${r.perHead[f.layer][f.head].toFixed(3)} / ${r.ceiling.toFixed(3)}`).join('; ')}`,
    `  every head: ${f.perHead.map((heads, layer) => heads.map((s, head) => `L${layer}H${head} ${s.toFixed(3)}`).join(' ')).join(' | ')}`,
    `  previous-token scores: ${f.previousToken.map((heads, layer) => heads.map((s, head) => `L${layer}H${head} ${s.toFixed(3)}`).join(' ')).join(' | ')}`,
    `loss on ${l.rows} test sequences: random half ${l.first.toFixed(3)} (chance ln ${INDUCTION_RECIPE.vocabSize} = ${l.chance.toFixed(3)}), repeated half ${l.repeated.toFixed(3)}`,
    `verdict: ${verdict}`,
  ];
}
