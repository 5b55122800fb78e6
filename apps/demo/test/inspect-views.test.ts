// The page logic of the views that look inside a model, without a browser: which of the
// library's numbers each page of the stepper shows (they must be exactly @attn/inspect's),
// how numbers and settings are written, how figures are sized, and the sentences the page
// states from scores (the induction verdict, the group separation).
import { type EmbeddingMap, explainHead, type InductionScore, workedExample } from '@attn/inspect';
import { GPT } from '@attn/model';
import { describe, expect, it } from 'vitest';
import { explainPages, formatNumber } from '../src/explain-pages';
import { fittedCellSize } from '../src/figures';
import { INSPECT_RULES } from '../src/inspect-rules';
import { checkNumber } from '../src/validate';
import { describeSeparation } from '../src/views/embeddings';
import { modelViewCellSize } from '../src/views/head-views';
import { inductionVerdict } from '../src/views/named-heads';
import { describeSettings } from '../src/views/sampling';
import { monthHint } from '../src/views/seq2seq';

/** A small GPT whose attention is not uniform (GPT-2's initialisation makes every score nearly 0). */
function sharpGpt(): GPT {
  const model = new GPT({ vocabSize: 11, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 16, dropout: 0 }, { seed: 4 });
  for (const [name, p] of model.namedParameters()) if (name.includes('attn.c_attn')) p.assign(Float32Array.from(p.dataSync(), (x) => x * 30));
  return model.eval();
}

describe('the stepper pages of one head', () => {
  it('show the worked example in six steps, "it" over cat, sat and mat', () => {
    const e = workedExample();
    const pages = explainPages(e, null);
    expect(pages.map((p) => p.id)).toEqual(['embeddings', 'weights', 'qkv', 'scores', 'softmax', 'output']);
    expect(pages.map((p) => p.title)).toEqual(e.steps.map((s) => s.title));
    const embeddings = pages[0].blocks[0];
    expect(embeddings.kind === 'vectors' && embeddings.rows.map((r) => [r.label, r.values])).toEqual([
      ['cat', [1, 0, 1]],
      ['sat', [0, 1, 1]],
      ['mat', [1, 1, 0]],
      ['it', [0, 1, 0]],
    ]);
    const scores = pages[3].blocks[0];
    if (scores.kind !== 'table') throw new Error('scores should be a table');
    expect(scores.rows.map((r) => r.cells)).toEqual([
      [1, 1 / Math.SQRT2, 1 / Math.SQRT2],
      [1, 1 / Math.SQRT2, 1 / Math.SQRT2],
      [2, 1 / Math.SQRT2, 2 / Math.SQRT2],
    ]);
    // "it" looks only at the three words before it in this example: its own row is masked.
    const softmax = pages[4].blocks[0];
    if (softmax.kind !== 'table') throw new Error('softmax should be a table');
    expect(softmax.rows.map((r) => r.label)).toEqual(['cat', 'sat', 'mat', 'it']);
    expect(softmax.rows[3].masked).toBe(true);
    expect(softmax.footer?.cells[1]).toBeCloseTo(1, 12);
    expect(pages[4].blocks).toHaveLength(1); // no whole map for the toy example
  });

  it('show exactly the numbers explainHead computed for a GPT, the masked keys marked', async () => {
    const model = sharpGpt();
    const ids = [3, 1, 4, 1, 5, 9, 2];
    const labels = ['c', 'a', 'd', 'a', 'e', 'i', 'b'];
    const e = await explainHead(model, ids, { layer: 1, head: 1, query: 4, labels });
    const pattern = [[1]]; // any map: the page passes it through
    const pages = explainPages(e, pattern);
    const [embeddings, weights, qkv, scores, softmax, output] = pages;
    // 1: the query's token, position and sum rows, then every token's input (after ln_1)
    const first = embeddings.blocks[0];
    expect(first.kind === 'vectors' && first.rows.map((r) => r.values)).toEqual([e.embeddings.token[4], e.embeddings.position?.[4], e.embeddings.sum[4]]);
    const inputs = embeddings.blocks[1];
    expect(inputs.kind === 'vectors' && inputs.rows.map((r) => r.values)).toEqual(e.input);
    expect(inputs.kind === 'vectors' && inputs.rows.map((r) => r.label)).toEqual(['c', 'a (1)', 'd', 'a (3)', 'e', 'i', 'b']);
    // 2: the three excerpts, as the library cut them
    const matrices = weights.blocks[0];
    expect(matrices.kind === 'matrices' && matrices.matrices).toEqual([e.projections.query, e.projections.key, e.projections.value]);
    expect(e.projections.query.shape).toEqual([16, 8]);
    // 3: q, and the keys and values of positions 0..4
    const [q, k, v, note] = qkv.blocks;
    expect(q.kind === 'vectors' && q.rows[0].values).toEqual(e.q);
    expect(k.kind === 'vectors' && k.rows.map((r) => r.values)).toEqual(e.k);
    expect(v.kind === 'vectors' && v.rows.map((r) => r.values)).toEqual(e.v);
    expect(note.kind === 'note' && note.text).toContain('The 2 later tokens (i, b)');
    // 4: scores, the scale 1/sqrt(8), scaled scores
    const table = scores.blocks[0];
    if (table.kind !== 'table') throw new Error('scores should be a table');
    expect(table.rows.map((r) => r.cells)).toEqual(e.scores.map((s, i) => [s, e.scale, e.scaledScores[i]]));
    expect(e.scale).toBeCloseTo(1 / Math.sqrt(8), 12);
    // 5: every position; those after the query masked, the others the library's weights
    const w = softmax.blocks[0];
    if (w.kind !== 'table') throw new Error('softmax should be a table');
    expect(w.rows.filter((r) => !r.masked).map((r) => r.cells[1])).toEqual(e.weights);
    expect(w.rows.map((r) => Boolean(r.masked))).toEqual([false, false, false, false, false, true, true]);
    expect(w.rows[4].query).toBe(true);
    const heatmap = softmax.blocks[1];
    expect(heatmap.kind === 'heatmap' && heatmap.weights).toBe(pattern);
    // 6: the weights beside the values, the output, c_proj's rows and the contribution
    const [mix, out, projection, contribution] = output.blocks;
    expect(mix.kind === 'table' && mix.rows.map((r) => r.cells)).toEqual(e.weights.map((x, i) => [x, e.v[i]]));
    expect(out.kind === 'vectors' && out.rows[0].values).toEqual(e.output);
    expect(projection.kind === 'matrices' && projection.matrices[0]).toEqual(e.projection?.matrix);
    expect(contribution.kind === 'vectors' && contribution.rows[0].values).toEqual(e.projection?.contribution);
  });
});

describe('numbers and settings as the page writes them', () => {
  it('formatNumber: integers as they are, 2 decimals (3 below 0.1), never "-0.00"', () => {
    expect(formatNumber(2)).toBe('2');
    expect(formatNumber(1.2345)).toBe('1.23');
    expect(formatNumber(0.01234)).toBe('0.012');
    expect(formatNumber(-0.0001)).toBe('0.000');
    expect(formatNumber(-0.004, 2)).toBe('0.00');
    expect(formatNumber(1, 3)).toBe('1.000');
    expect(formatNumber(-1.5)).toBe('-1.50');
  });

  it('describeSettings: greedy at temperature 0, "all" at the vocabulary size', () => {
    expect(describeSettings({ temperature: 0, topK: 65, topP: 1 }, 65)).toBe('temperature 0 (greedy) · top-k all 65 · top-p 1.00');
    expect(describeSettings({ temperature: 0.8, topK: 5, topP: 0.9 }, 65)).toBe('temperature 0.80 · top-k 5 · top-p 0.90');
  });

  it('the new number fields state their rules', () => {
    expect(checkNumber('0', INSPECT_RULES.samplingTokens)).toEqual({ ok: false, message: 'Tokens to write must be a whole number from 1 to 500, not 0.' });
    expect(checkNumber('2.5', INSPECT_RULES.beamWidth)).toEqual({ ok: false, message: 'Beam width must be a whole number from 1 to 16, not 2.5.' });
    expect(checkNumber('5001', INSPECT_RULES.taskSteps)).toEqual({ ok: false, message: 'Steps must be a whole number from 1 to 5,000, not 5001.' });
    expect(checkNumber('200', INSPECT_RULES.corefSentences)).toEqual({ ok: true, value: 200 });
  });
});

describe('figure sizes', () => {
  it('model view thumbnails: as large as fit, from 48 to 96 px', () => {
    // 70 px of layer labels, 100 px of legend, 10 px between thumbnails
    expect(modelViewCellSize(70 + 100 + 4 * 80 + 3 * 10, 4)).toBe(80);
    expect(modelViewCellSize(2000, 4)).toBe(96);
    expect(modelViewCellSize(330, 4)).toBe(48); // a phone: the figure scales down instead
  });

  it('heatmap cells: 28 px when they fit, down to the smallest, never below', () => {
    expect(fittedCellSize(1000, 100, 10)).toBe(28);
    expect(fittedCellSize(300, 100, 10)).toBe(20);
    expect(fittedCellSize(200, 100, 10)).toBe(16);
    expect(fittedCellSize(200, 100, 10, 28, 12)).toBe(12);
  });
});

describe('sentences the page states from scores', () => {
  const ranking = (perHead: number[][], layer: number, head: number, halfLength: number, ceiling: number): InductionScore => ({
    perHead,
    layer,
    head,
    score: perHead[layer][head],
    sequences: 20,
    halfLength,
    ceiling,
    sample: [],
  });

  it('names an induction head only in layer 1 at 80% of the ceiling on both repeat lengths', () => {
    const score = ranking([[0.1, 0.05], [0.02, 0.4]], 1, 1, 15, 0.467);
    const genuine = inductionVerdict({ score, shorter: ranking([[0.02, 0.01], [0.04, 0.39]], 1, 1, 7, 0.4) });
    expect(genuine).toContain('Layer 1, head 1 has the highest induction score: 0.400 on 20 sequences of random tokens repeated after 15 tokens (a kind of sequence it never trained on)');
    expect(genuine).toContain('a perfect induction head would score 0.467');
    expect(genuine).toContain('On sequences repeated after 7 tokens it scores 0.390 (ceiling 0.400)');
    expect(genuine).toContain('an induction head, reading what the previous-token head in layer 0 wrote.');
    // Below 80% of the ceiling on the shorter repeat: not yet.
    const weak = inductionVerdict({ score, shorter: ranking([[0.02, 0.01], [0.04, 0.2]], 1, 1, 7, 0.4) });
    expect(weak).toContain('Not an induction head yet:');
    // A layer-0 head cannot be one (nothing below it to compose with).
    const layer0 = ranking([[0.1, 0.45], [0.02, 0.02]], 0, 1, 15, 0.467);
    expect(inductionVerdict({ score: layer0, shorter: ranking([[0.1, 0.39], [0.02, 0.02]], 0, 1, 7, 0.4) })).toContain('Not an induction head yet:');
  });

  it('describeSeparation says how many times further apart the groups lie, with the numbers', () => {
    const map: EmbeddingMap = {
      points: [],
      labels: [],
      explainedVarianceRatio: [0.5, 0.2],
      neighbours: [],
      separation: { within: 0.08, between: 0.4, ratio: 5, perGroup: { things: 0.09, containers: 0.07 }, withinPairs: 90, betweenPairs: 100 },
    };
    const text = describeSeparation({ map, groups: [], groupNames: ['things', 'containers'] });
    expect(text).toMatch(/^Yes: things and containers lie 5\.00× further apart than two of the same kind\./);
    expect(text).toContain('between two things: 0.09; between two containers: 0.07; within the groups overall: 0.08. Between one of each: 0.40.');
    expect(text).toContain('all 190 pairs');
    expect(describeSeparation({ map: { ...map, separation: undefined }, groups: null, groupNames: null })).toBe('');
  });

  it('monthHint points at the month digits of an ISO date and the month name', () => {
    expect(monthHint(Array.from('2026-11-23'), Array.from('23 November 2026'))).toBe(
      'Find the rows of the month\'s digits "11": in a head that aligns them, their strongest cells sit under the letters of "November".',
    );
    expect(monthHint(Array.from('2026'), Array.from('23 November 2026'))).toBe('');
  });
});
