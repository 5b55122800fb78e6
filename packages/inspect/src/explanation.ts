// The shape of "one attention head explained with real numbers", shared by a trained GPT's
// head (explain-head.ts), the seed documents' worked example and a small seeded head
// (worked-example.ts), so the CLI and the page render all three the same way.
//
// Six steps, each a title, a sentence on why, and labelled numbers:
//   1. embeddings (token + position) and the head's input
//   2. this head's slices of W_Q, W_K, W_V
//   3. each token's q, k, v
//   4. scores q·k and the 1/sqrt(d) scale
//   5. the causal mask and the softmax
//   6. the weighted sum of values, then the output projection

/** The top-left corner of a matrix, small enough to read. */
export interface MatrixExcerpt {
  /** e.g. "W_Q (head 2)". */
  label: string;
  /** The full matrix's shape, [rows, columns]. */
  shape: [number, number];
  /** The first rows and columns. */
  values: number[][];
  /** Whether rows or columns were left out. */
  moreRows: boolean;
  moreColumns: boolean;
}

/** One step of an explanation. */
export interface ExplanationStep {
  id: 'embeddings' | 'weights' | 'qkv' | 'scores' | 'softmax' | 'output';
  /** e.g. "4. Scores q·k, scaled by 1/√d". */
  title: string;
  /** One or two sentences on what happens and why. */
  why: string;
  /** Labelled vectors, one per line (label, values). */
  rows: Array<[string, number[]]>;
  /** Matrices shown as excerpts (step 2 and the output projection). */
  matrices?: MatrixExcerpt[];
}

/** Every number of one head's attention for one query token. */
export interface HeadExplanation {
  /** Where the numbers come from. */
  source: 'checkpoint' | 'seed worked example' | 'seeded random head';
  /** One label per token. */
  tokens: string[];
  /** The token ids, when a model read them. */
  ids: number[] | null;
  layer: number;
  head: number;
  /** Position of the query token, and its label. */
  queryIndex: number;
  query: string;
  /** Model width C (embedding size) and head size d = C / nHead. */
  modelWidth: number;
  headSize: number;
  /** Step 1: token embeddings, position embeddings (null when the model has none) and their sum, one row per token. */
  embeddings: { token: number[][]; position: number[][] | null; sum: number[][] };
  /** The rows the head reads: ln_1 of the residual stream for a GPT (the embeddings themselves in the toy examples). */
  input: number[][];
  /** Step 2: this head's projection matrices, [C, d] each, as excerpts. */
  projections: { query: MatrixExcerpt; key: MatrixExcerpt; value: MatrixExcerpt };
  /** Step 3: every token's query, key and value (d numbers each). */
  queries: number[][];
  keysByToken: number[][];
  valuesByToken: number[][];
  /** The query token's query vector. */
  q: number[];
  /** Positions the query may attend to (itself and earlier for a causal model), and those it may not. */
  keys: number[];
  masked: number[];
  /** Keys and values of the attended positions, in `keys` order. */
  k: number[][];
  v: number[][];
  /** Step 4: q·k for each attended key, the scale 1/sqrt(d), and the scaled scores. */
  scores: number[];
  scale: number;
  scaledScores: number[];
  /** Step 5: softmax of the scaled scores (sums to 1), in `keys` order. */
  weights: number[];
  /** Step 6: the weighted sum of values (d numbers), this head's output before the projection. */
  output: number[];
  /** Step 6, continued: this head's rows of the output projection c_proj ([d, C]) and what they add to the residual stream (C numbers, without c_proj's bias, which all heads share). */
  projection: { matrix: MatrixExcerpt; contribution: number[] } | null;
  /** The 6 steps, ready to show. */
  steps: ExplanationStep[];
}

/** The first `rows` x `columns` of a matrix, labelled with its full shape. */
export function excerpt(label: string, m: number[][], rows = 4, columns = 6): MatrixExcerpt {
  const R = m.length;
  const C = R > 0 ? m[0].length : 0;
  return {
    label,
    shape: [R, C],
    values: m.slice(0, rows).map((r) => r.slice(0, columns)),
    moreRows: R > rows,
    moreColumns: C > columns,
  };
}

/** x · W for a row x (length n) and W (n x m), in float64. */
export function rowTimes(x: ArrayLike<number>, w: number[][], bias?: ArrayLike<number>): number[] {
  const m = w.length > 0 ? w[0].length : 0;
  const out = new Array<number>(m).fill(0);
  for (let i = 0; i < x.length; i++) for (let j = 0; j < m; j++) out[j] += x[i] * w[i][j];
  if (bias) for (let j = 0; j < m; j++) out[j] += bias[j];
  return out;
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Softmax in float64, shifted by the maximum so large scores do not overflow. */
export function softmax64(xs: readonly number[]): number[] {
  const max = Math.max(...xs);
  const e = xs.map((x) => Math.exp(x - max));
  const total = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / total);
}

/** Steps 4-6 for one query: scores, scale, softmax weights and the weighted sum of values. */
export function attendOnce(q: readonly number[], k: number[][], v: number[][]): { scores: number[]; scale: number; scaledScores: number[]; weights: number[]; output: number[] } {
  const scale = 1 / Math.sqrt(q.length);
  const scores = k.map((key) => dot(q, key));
  const scaledScores = scores.map((s) => s * scale);
  const weights = softmax64(scaledScores);
  const width = v.length > 0 ? v[0].length : 0;
  const output = new Array<number>(width).fill(0);
  weights.forEach((w, j) => {
    for (let c = 0; c < width; c++) output[c] += w * v[j][c];
  });
  return { scores, scale, scaledScores, weights, output };
}

/** What every explanation's text needs to describe its steps. */
export interface StepContext {
  tokens: string[];
  queryIndex: number;
  keys: number[];
  masked: number[];
  headSize: number;
  /** Sentence for step 1 (what the embeddings are and what the head reads). */
  embeddingsWhy: string;
  /** Rows of step 1. */
  embeddingRows: Array<[string, number[]]>;
  /** Sentence for step 5 about what is masked and why. */
  maskWhy: string;
  projectionRow: [string, number[]] | null;
  projectionMatrix: MatrixExcerpt | null;
}

/**
 * Names for tokens in the steps' labels: the token itself, or "token (position)" when the
 * sentence holds the same token more than once, so every row says which one it is.
 */
export function stepNames(tokens: readonly string[]): string[] {
  const repeated = new Set(tokens.filter((t, i) => tokens.indexOf(t) !== i));
  return tokens.map((t, i) => (repeated.has(t) ? `${t} (${i})` : t));
}

/** Builds the six steps from the numbers; `ctx.tokens` are the names rows use (see stepNames). */
export function buildSteps(
  ctx: StepContext,
  n: Pick<HeadExplanation, 'projections' | 'queries' | 'keysByToken' | 'valuesByToken' | 'q' | 'scores' | 'scale' | 'scaledScores' | 'weights' | 'output'>,
): ExplanationStep[] {
  const { tokens, queryIndex, keys } = ctx;
  const query = tokens[queryIndex];
  const keyNames = keys.map((j) => tokens[j]).join(', ');
  const d = ctx.headSize;
  const top = n.weights.indexOf(Math.max(...n.weights));
  const qkvRows: Array<[string, number[]]> = [[`q(${query})`, n.q]];
  for (const j of keys) qkvRows.push([`k(${tokens[j]})`, n.keysByToken[j]]);
  for (const j of keys) qkvRows.push([`v(${tokens[j]})`, n.valuesByToken[j]]);
  const outputRows: Array<[string, number[]]> = [[`output(${query})`, n.output]];
  if (ctx.projectionRow) outputRows.push(ctx.projectionRow);
  return [
    { id: 'embeddings', title: '1. Embeddings', why: ctx.embeddingsWhy, rows: ctx.embeddingRows },
    {
      id: 'weights',
      title: '2. This head’s W_Q, W_K and W_V',
      why: `Three learned matrices, each [${n.projections.query.shape.join(' × ')}], project a token’s vector to a query (what it looks for), a key (what it offers) and a value (what it passes on).`,
      rows: [],
      matrices: [n.projections.query, n.projections.key, n.projections.value],
    },
    {
      id: 'qkv',
      title: '3. Query, keys and values',
      why: `Every token gets its own q, k and v of ${d} numbers. "${query}" asks with its query; ${keyNames} answer with keys and values.`,
      rows: qkvRows,
    },
    {
      id: 'scores',
      title: `4. Scores q·k, scaled by 1/√${d}`,
      why: `A dot product measures how well each key matches the query. Dividing by √${d} = ${Math.sqrt(d).toFixed(2)} keeps scores from growing with the head size, so the softmax stays soft.`,
      rows: [
        [`scores (${keyNames})`, n.scores],
        [`scaled (${keyNames})`, n.scaledScores],
      ],
    },
    {
      id: 'softmax',
      title: '5. Mask, then softmax → attention weights',
      why: `${ctx.maskWhy} The softmax turns the scores into weights that are positive and sum to 1: "${query}" pays most attention to "${tokens[keys[top]]}" (${(n.weights[top] * 100).toFixed(0)}%).`,
      rows: [[`weights (${keyNames})`, n.weights]],
    },
    {
      id: 'output',
      title: ctx.projectionMatrix ? '6. Output = Σ weight · v, then the output projection' : '6. Output = Σ weight · v',
      why: ctx.projectionMatrix
        ? `The head’s output is the weighted average of the values. Its ${d} numbers go through this head’s ${d} rows of the output projection c_proj, which turns them into ${ctx.projectionMatrix.shape[1]} numbers added to "${query}"’s residual stream (with the other heads’ and c_proj’s bias).`
        : 'The new representation of the query token is the weighted average of the values.',
      rows: outputRows,
      ...(ctx.projectionMatrix ? { matrices: [ctx.projectionMatrix] } : {}),
    },
  ];
}
