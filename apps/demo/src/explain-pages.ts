// One head explained (@attn/inspect's HeadExplanation) as the six pages of the page's
// stepper: which numbers each page shows and in what layout. Nothing is computed here
// beyond picking and labelling: every number is a field of the explanation (or of the
// head's attention pattern, from @attn/inspect's attentionMaps), so what the page shows is
// what the library computed. The one exception is each weight row's sum, shown as a check.
import type { HeadExplanation, MatrixExcerpt } from '@attn/inspect';
import { visibleLabel } from '@attn/viz';

/** A labelled vector, one per line. */
export interface VectorRow {
  label: string;
  values: number[];
}

/** A table cell: a number, a vector, or words (e.g. "masked"). */
export type Cell = number | number[] | string;

export type Block =
  | { kind: 'vectors'; caption: string; rows: VectorRow[] }
  | { kind: 'matrices'; caption: string; matrices: MatrixExcerpt[] }
  | {
      kind: 'table';
      caption: string;
      columns: string[];
      rows: Array<{ label: string; cells: Cell[]; masked?: boolean; query?: boolean }>;
      /** Index of the column holding attention weights (shaded with the attention colours). */
      weightColumn?: number;
      /** A last row, e.g. the sum of the weights. */
      footer?: { label: string; cells: Cell[] };
    }
  | { kind: 'heatmap'; caption: string; weights: number[][]; labels: string[]; query: number }
  | { kind: 'note'; text: string };

export interface ExplainPage {
  id: HeadExplanation['steps'][number]['id'];
  title: string;
  why: string;
  blocks: Block[];
}

/** "cat", or "the (4)" when the sentence holds the token more than once (the library's stepNames). */
function names(e: HeadExplanation): string[] {
  const repeated = new Set(e.tokens.filter((t, i) => e.tokens.indexOf(t) !== i));
  // A space (a character model's token, or a BPE token's leading space) shows as ␣: HTML would fold it away.
  return e.tokens.map((t, i) => (repeated.has(t) ? `${visibleLabel(t)} (${i})` : visibleLabel(t)));
}

/** The six pages for an explanation; `pattern` is the head's whole attention map (null for the toy examples). */
export function explainPages(e: HeadExplanation, pattern: number[][] | null): ExplainPage[] {
  const n = names(e);
  const q = n[e.queryIndex];
  const trained = e.source === 'checkpoint';
  const step = (id: ExplainPage['id']) => {
    const s = e.steps.find((x) => x.id === id);
    if (!s) throw new Error(`demo: the explanation has no step "${id}"`);
    return s;
  };
  const page = (id: ExplainPage['id'], blocks: Block[]): ExplainPage => ({ id, title: step(id).title, why: step(id).why, blocks });

  // 1. Embeddings
  const embeddingBlocks: Block[] = [];
  if (e.embeddings.position) {
    embeddingBlocks.push({
      kind: 'vectors',
      caption: `"${q}" (position ${e.queryIndex}): its token embedding plus its position embedding, ${e.modelWidth} numbers each`,
      rows: [
        { label: 'token embedding', values: e.embeddings.token[e.queryIndex] },
        { label: `position ${e.queryIndex} embedding`, values: e.embeddings.position[e.queryIndex] },
        { label: 'sum', values: e.embeddings.sum[e.queryIndex] },
      ],
    });
  }
  embeddingBlocks.push({
    kind: 'vectors',
    caption: trained
      ? `What head ${e.head} of layer ${e.layer} reads for each token: ${e.layer === 0 ? 'the sum' : `the residual stream entering layer ${e.layer}`}, after the layer norm ln_1`
      : 'Each token’s vector',
    rows: n.map((label, i) => ({ label, values: e.input[i] })),
  });

  // 3. q, k, v
  const qkvBlocks: Block[] = [
    { kind: 'vectors', caption: `The query of "${q}": what it looks for`, rows: [{ label: `q(${q})`, values: e.q }] },
    { kind: 'vectors', caption: `The keys of the tokens "${q}" may look at: what each offers`, rows: e.keys.map((j) => ({ label: `k(${n[j]})`, values: e.keysByToken[j] })) },
    { kind: 'vectors', caption: 'Their values: what each passes on when attended to', rows: e.keys.map((j) => ({ label: `v(${n[j]})`, values: e.valuesByToken[j] })) },
  ];
  if (e.masked.length > 0) {
    qkvBlocks.push({ kind: 'note', text: `The ${e.masked.length} later token${e.masked.length > 1 ? 's' : ''} (${e.masked.map((j) => n[j]).join(', ')}) have keys and values too, but "${q}" may not look at them (step 5).` });
  }

  // 4. Scores and the scale
  const scoreBlocks: Block[] = [
    {
      kind: 'table',
      caption: `Each key's score against q(${q}): the dot product q·k, then times 1/√${e.headSize} = ${e.scale.toFixed(4)}`,
      columns: ['key', 'q·k', '× 1/√d', 'scaled score'],
      rows: e.keys.map((j, r) => ({ label: n[j], cells: [e.scores[r], e.scale, e.scaledScores[r]], query: j === e.queryIndex })),
    },
  ];

  // 5. Mask and softmax: every position, the masked ones marked.
  const weightRows = n.map((label, j) => {
    const r = e.keys.indexOf(j);
    return r >= 0
      ? { label, cells: [e.scaledScores[r], e.weights[r]] as Cell[], query: j === e.queryIndex }
      : { label, cells: ['masked (−∞)', 'masked: 0'] as Cell[], masked: true };
  });
  const sum = e.weights.reduce((a, b) => a + b, 0);
  const softmaxBlocks: Block[] = [
    {
      kind: 'table',
      caption: `The attention weights of "${q}": softmax of the scaled scores (the stronger the colour, the more attention)`,
      columns: ['key', 'scaled score', 'weight'],
      rows: weightRows,
      weightColumn: 1,
      footer: { label: 'sum', cells: ['', sum] },
    },
  ];
  if (pattern) {
    softmaxBlocks.push({
      kind: 'heatmap',
      caption: `Every token of the sentence does the same: each row of head ${e.head}'s attention map is one token's weights, and sums to 1. Row "${q}" is the one above; the empty upper right is the causal mask.`,
      weights: pattern,
      labels: e.tokens,
      query: e.queryIndex,
    });
  }

  // 6. Weighted sum, then the output projection.
  const outputBlocks: Block[] = [
    {
      kind: 'table',
      caption: 'Each value, with the weight it gets',
      columns: ['key', 'weight', 'value v'],
      rows: e.keys.map((j, r) => ({ label: n[j], cells: [e.weights[r], e.v[r]] })),
      weightColumn: 0,
    },
    { kind: 'vectors', caption: `The head's output for "${q}": Σ weight · v`, rows: [{ label: `output(${q})`, values: e.output }] },
  ];
  if (e.projection) {
    outputBlocks.push(
      { kind: 'matrices', caption: `This head's ${e.headSize} rows of the output projection c_proj`, matrices: [e.projection.matrix] },
      {
        kind: 'vectors',
        caption: `output(${q}) · c_proj rows: what this head adds to "${q}"'s residual stream (${e.modelWidth} numbers; the other heads add theirs, and c_proj's bias once)`,
        rows: [{ label: `contribution to ${q}`, values: e.projection.contribution }],
      },
    );
  }

  return [
    page('embeddings', embeddingBlocks),
    page('weights', [{ kind: 'matrices', caption: `Learned once in training; the same for every sentence. Shapes are [model width × head size] = [${e.modelWidth} × ${e.headSize}].`, matrices: [e.projections.query, e.projections.key, e.projections.value] }]),
    page('qkv', qkvBlocks),
    page('scores', scoreBlocks),
    page('softmax', softmaxBlocks),
    page('output', outputBlocks),
  ];
}

/** A number for reading: `digits` decimals when given, else integers as they are and 2 decimals (3 below 0.1); never "-0.00". */
export function formatNumber(x: number, digits?: number): string {
  if (digits === undefined && Number.isInteger(x)) return String(x);
  const d = digits ?? (Math.abs(x) < 0.1 ? 3 : 2);
  const s = x.toFixed(d);
  return /^-0\.0*$/.test(s) ? s.slice(1) : s;
}
