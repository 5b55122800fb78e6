// The seed documents' worked example, computed live: "it" attends to "cat", "sat" and "mat".
// Every number on the page comes from @attn/tensor and @attn/layers, not from a table.
import { scaledDotProductAttention } from '@attn/layers';
import { tensor, type Tensor } from '@attn/tensor';

/** One row of the explanation: a title, a sentence on why, and the numbers. */
export interface ExplainerStep {
  title: string;
  why: string;
  /** label -> values (a vector) shown on one line each. */
  rows: Array<[string, number[]]>;
}

const WORDS = ['cat', 'sat', 'mat'] as const;

/** Toy 3-d embeddings from the seed example. */
const EMBEDDINGS: Record<string, number[]> = { cat: [1, 0, 1], sat: [0, 1, 1], mat: [1, 1, 0], it: [0, 1, 0] };

// Projection matrices (3 -> 2) chosen so the projections match the worked example:
// Q(it) = [0,1]; K: cat [2,1], sat [1,1], mat [1,2]; V: cat [2,1], sat [1,3], mat [1,2].
const W_Q = [
  [1, 0],
  [0, 1],
  [0, 0],
];
const W_K = [
  [1, 1],
  [0, 1],
  [1, 0],
];
const W_V = [
  [1, 0],
  [0, 2],
  [1, 1],
];

function rowsOf(t: Tensor): number[][] {
  const [n, d] = [t.shape[t.ndim - 2], t.shape[t.ndim - 1]];
  const values = t.dataSync();
  return Array.from({ length: n }, (_, i) => Array.from(values.subarray(i * d, (i + 1) * d)));
}

/** Runs the example and returns each step with its numbers. */
export function workedExample(): { steps: ExplainerStep[]; weights: number[]; output: number[] } {
  const keysIn = tensor(WORDS.map((w) => EMBEDDINGS[w])); // (3, 3)
  const queryIn = tensor([EMBEDDINGS.it]); // (1, 3)
  const q = queryIn.matmul(tensor(W_Q)); // (1, 2)
  const k = keysIn.matmul(tensor(W_K)); // (3, 2)
  const v = keysIn.matmul(tensor(W_V)); // (3, 2)
  const scores = q.matmul(k, { transB: true }); // (1, 3)
  const scaled = scores.mul(1 / Math.sqrt(2)); // (1, 3)
  // The library's attention does scale + softmax + weighted sum in one call; we show its parts.
  const { output, weights } = scaledDotProductAttention(q, k, v); // output (1, 2), weights (1, 3)
  const w = rowsOf(weights)[0];
  const out = rowsOf(output)[0];
  const steps: ExplainerStep[] = [
    {
      title: '1. Embeddings',
      why: 'Each word starts as a vector. "it" is the word whose meaning we want to resolve.',
      rows: [...WORDS.map((word): [string, number[]] => [word, EMBEDDINGS[word]]), ['it', EMBEDDINGS.it]],
    },
    {
      title: '2. Query, keys and values',
      why: 'Three learned matrices project each embedding: the query asks, keys advertise, values carry content.',
      rows: [
        ['Q(it)', rowsOf(q)[0]],
        ...WORDS.map((word, i): [string, number[]] => [`K(${word})`, rowsOf(k)[i]]),
        ...WORDS.map((word, i): [string, number[]] => [`V(${word})`, rowsOf(v)[i]]),
      ],
    },
    {
      title: '3. Scores = Q · K',
      why: 'A dot product measures how well each key matches the query.',
      rows: [['scores (cat, sat, mat)', rowsOf(scores)[0]]],
    },
    {
      title: '4. Scale by 1/√d_k',
      why: 'Dividing by √2 keeps the scores from growing with the dimension, so softmax stays soft.',
      rows: [['scaled', rowsOf(scaled)[0]]],
    },
    {
      title: '5. Softmax → attention weights',
      why: 'Weights are positive and sum to 1: "it" pays most attention to "mat".',
      rows: [['weights (cat, sat, mat)', w]],
    },
    {
      title: '6. Output = Σ weight · V',
      why: 'The new representation of "it" is the weighted average of the values.',
      rows: [['output(it)', out]],
    },
  ];
  return { steps, weights: w, output: out };
}

/** Two decimals, without "-0.00". */
export function fmt(x: number): string {
  const s = x.toFixed(2);
  return s === '-0.00' ? '0.00' : s;
}

/** Renders the steps into `root`. */
export function renderExplainer(root: HTMLElement): void {
  const { steps, output } = workedExample();
  root.innerHTML = '';
  for (const step of steps) {
    const box = document.createElement('div');
    box.className = 'step';
    const h = document.createElement('h3');
    h.textContent = step.title;
    const p = document.createElement('p');
    p.textContent = step.why;
    const table = document.createElement('table');
    for (const [label, values] of step.rows) {
      const tr = document.createElement('tr');
      const th = document.createElement('th');
      th.textContent = label;
      const td = document.createElement('td');
      td.textContent = `[${values.map((x) => (Number.isInteger(x) ? String(x) : fmt(x))).join(', ')}]`;
      tr.append(th, td);
      table.append(tr);
    }
    box.append(h, p, table);
    root.append(box);
  }
  const summary = document.createElement('p');
  summary.id = 'explainer-output';
  summary.textContent = `Output for "it": [${output.map((x) => String(Number(x.toFixed(2)))).join(', ')}]`;
  root.append(summary);
}
