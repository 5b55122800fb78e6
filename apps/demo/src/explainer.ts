// The seed documents' worked example: "it" attends to "cat", "sat" and "mat". The numbers
// come from @attn/inspect (the same steps `attn explain` prints, and the same structure a
// trained GPT's head is explained with); this file only lays them out on the page.
import { type ExplanationStep, workedExample as seedWorkedExample } from '@attn/inspect';

/** One row of the explanation: a title, a sentence on why, and the numbers. */
export interface ExplainerStep {
  title: string;
  why: string;
  /** label -> values (a vector) shown on one line each. */
  rows: Array<[string, number[]]>;
}

/** A step as the page shows it: matrices (W_Q, W_K, W_V) become one labelled row per matrix row. */
function pageStep(step: ExplanationStep): ExplainerStep {
  const matrixRows = (step.matrices ?? []).flatMap((m) => m.values.map((row, i): [string, number[]] => [`${m.label} row ${i + 1}`, row]));
  return { title: step.title, why: step.why, rows: [...step.rows, ...matrixRows] };
}

/** Runs the example and returns each step with its numbers. */
export function workedExample(): { steps: ExplainerStep[]; weights: number[]; output: number[] } {
  const e = seedWorkedExample();
  return { steps: e.steps.map(pageStep), weights: e.weights, output: e.output };
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
